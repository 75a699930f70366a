/* Shared browser client for every page: API calls, realtime with seq-gap resync, i18n.
   Pages get window.QH_CONFIG = {token?, csrf?, locale, strings, apiBase} from the server. */
(function () {
  "use strict";
  const cfg = window.QH_CONFIG || {};
  const QH = {};

  /** Translate a key with {placeholders}; a missing key shows itself so it gets noticed. */
  QH.t = function (key, vars) {
    let s = (cfg.strings && cfg.strings[key]) || key;
    if (vars) for (const k in vars) s = s.split("{" + k + "}").join(vars[k]);
    return s;
  };

  /** Fill every [data-i18n] element from the strings (text only, never HTML). */
  QH.translatePage = function (root) {
    (root || document).querySelectorAll("[data-i18n]").forEach(function (el) {
      el.textContent = QH.t(el.getAttribute("data-i18n"));
    });
  };

  /** Call the API; resolves {ok, status, body}; never throws on HTTP errors. */
  QH.api = async function (path, opts) {
    opts = opts || {};
    const headers = Object.assign({"Accept": "application/json"}, opts.headers || {});
    if (cfg.token) headers["Authorization"] = "Bearer " + cfg.token;
    if (cfg.csrf) headers["X-CSRF-Token"] = cfg.csrf;
    let body = opts.body;
    if (body !== undefined && typeof body !== "string") {
      body = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    try {
      const resp = await fetch((cfg.apiBase || "/api/v1") + path, {
        method: opts.method || (body !== undefined ? "POST" : "GET"),
        headers: headers, body: body, credentials: "same-origin",
      });
      let data = null;
      try { data = await resp.json(); } catch (e) { data = null; }
      return {ok: resp.ok, status: resp.status, body: data};
    } catch (e) {
      return {ok: false, status: 0, body: {error: {code: "network", message: String(e)}}};
    }
  };

  /** Human message for an API error body. */
  QH.errorText = function (res) {
    const err = res && res.body && res.body.error;
    if (!err) return QH.t("common.network_error");
    if (err.reason) {  // why an input was refused, said in the page's language (server/services/reasons.py)
      const why = QH.t("error.reason." + err.reason, err.params || {});
      if (why !== "error.reason." + err.reason) return why;
    }
    const key = "error." + err.code;
    const tr = QH.t(key);
    return tr === key ? err.message : tr;
  };

  /**
   * Connect to realtime. handlers: {snapshot(snap), event(name, payload), status(online, why)}
 * (why, when offline: "offline", or "busy" when the server turned a public page away: poll instead).
   * Tracks seq: on a gap asks for a snapshot; ignores events older than the last snapshot.
   */
  QH.realtime = function (handlers, auth) {
    const socket = io({auth: auth || {token: cfg.token}, transports: ["websocket", "polling"],
                       reconnectionDelayMax: 5000});
    let lastSeq = null;
    const st = {socket: socket};
    function status(on, why) { if (handlers.status) handlers.status(on, why); }
    socket.on("connect", function () { status(true); });
    socket.on("disconnect", function () { status(false); });
    socket.on("connect_error", function (err) {
      // a public page past its limits (socket_limits.py) is refused as "busy": it stays refused, and
      // the page keeps current by polling; that is not an outage, so the page must not call it one
      const busy = !!(err && err.data && err.data.code === "busy");
      if (busy) socket.disconnect();
      status(false, busy ? "busy" : "offline");
    });
    socket.on("snapshot", function (snap) {
      lastSeq = snap.seq;
      if (handlers.snapshot) handlers.snapshot(snap);
    });
    socket.onAny(function (name, payload) {
      if (name === "snapshot") return;
      if (payload && typeof payload.seq === "number" && lastSeq !== null) {
        if (payload.seq <= lastSeq) return;             // already in the snapshot we drew
        if (payload.seq > lastSeq + 1) {               // missed something: redraw from scratch
          lastSeq = payload.seq;
          socket.emit("snapshot");
          return;
        }
        lastSeq = payload.seq;
      }
      if (handlers.event) handlers.event(name, payload);
    });
    st.resync = function () { socket.emit("snapshot"); };
    return st;
  };

  /**
   * The hall's wall clock (its configured time zone, not the browser's):
   * {y, m, d, hh, mm, ss, weekday 0=Sunday} as numbers.
   */
  QH.hallNow = function () {
    const tz = cfg.timezone || undefined;
    const parts = {};
    try {
      new Intl.DateTimeFormat("en-US", {timeZone: tz, hourCycle: "h23", year: "numeric", month: "numeric",
        day: "numeric", hour: "numeric", minute: "numeric", second: "numeric", weekday: "short"})
        .formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    } catch (e) {
      const d = new Date();
      return {y: d.getFullYear(), m: d.getMonth() + 1, d: d.getDate(), hh: d.getHours(), mm: d.getMinutes(),
              ss: d.getSeconds(), weekday: d.getDay()};
    }
    return {y: +parts.year, m: +parts.month, d: +parts.day, hh: +parts.hour % 24, mm: +parts.minute,
            ss: +parts.second, weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.weekday)};
  };

  /** The hall's calendar day, `offset` days from today, as YYYY-MM-DD (for report ranges). */
  QH.hallDate = function (offset) {
    const n = QH.hallNow();
    const d = new Date(Date.UTC(n.y, n.m - 1, n.d + (offset || 0)));
    return d.toISOString().slice(0, 10);
  };

  /** An instant shown on the hall's clock (its time zone), in the page's locale. */
  QH.hallTime = function (iso, opts) {
    const o = Object.assign({hour12: false}, opts || {});
    if (cfg.timezone) o.timeZone = cfg.timezone;
    const lang = cfg.locale === "en" ? "en-GB" : "zh-CN";
    const d = new Date(iso);
    try { return d.toLocaleString(lang, o); }
    catch (e) { delete o.timeZone; return d.toLocaleString(lang, o); }
  };

  /** Text-safe element builder. */
  QH.el = function (tag, attrs, children) {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  };

  /** Switch locale by reloading with ?lang= (the choice is remembered in a cookie). */
  QH.setLocale = function (lang) {
    document.cookie = "lang=" + lang + "; path=/; SameSite=Lax";
    const u = new URL(window.location.href);
    u.searchParams.set("lang", lang);
    window.location.replace(u.toString());
  };

  window.QH = QH;
})();
