/* Shared browser client for every page: API calls, realtime with seq-gap resync, i18n.
   Pages get window.QH_CONFIG = {token?, csrf?, locale, strings, apiBase} from the server, as JSON
   in <script type="application/json" id="qh-config"> (the CSP allows no inline script). */
(function () {
  "use strict";
  if (!window.QH_CONFIG) {
    const data = document.getElementById("qh-config");
    window.QH_CONFIG = data ? JSON.parse(data.textContent || "{}") : {};
  }
  const cfg = window.QH_CONFIG;

  // A device opens its page with ?token= once; the server keeps it in a cookie for this page
  // (server/device_pages.py), so it leaves the address bar, history and bookmarks now.
  (function dropTokenFromAddress() {
    const u = new URL(window.location.href);
    if (!u.searchParams.has("token")) return;
    u.searchParams.delete("token");
    history.replaceState(history.state, "", u.pathname + u.search + u.hash);
  })();
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
    if (err.reason) {  // why an input was refused, said in the page's language (server/services/common/reasons.py)
      const why = QH.t("error.reason." + err.reason, err.params || {});
      if (why !== "error.reason." + err.reason) return why;
    }
    const key = "error." + err.code;
    const tr = QH.t(key);
    return tr === key ? err.message : tr;
  };

  /** How long an event that came after a gap waits for the missing one before a snapshot is asked for. */
  QH.GAP_WAIT_MS = 1500;

  /**
   * Connect to realtime. handlers: {snapshot(snap), event(name, payload), status(online, why)}
   * (why, when offline: "offline", or "busy" when the server turned a public page away: poll instead).
   * Tracks seq: events are handed over in seq order. One process sends a site's events in order, but
   * through Redis another process's event can overtake: an event after a gap waits up to GAP_WAIT_MS
   * for the missing one, and only then is a snapshot asked for. Events older than the last snapshot
   * are ignored.
   */
  QH.realtime = function (handlers, auth) {
    if (typeof window.io !== "function") return offlineForGood(handlers, auth);
    const socket = io({auth: auth || {token: cfg.token}, transports: ["websocket", "polling"],
                       reconnectionDelayMax: 5000});
    let lastSeq = null;
    const early = new Map();  // seq -> [name, payload]: came after a gap
    let gapTimer = null;
    const st = {socket: socket};
    function status(on, why) { if (handlers.status) handlers.status(on, why); }
    function hand(name, payload) { if (handlers.event) handlers.event(name, payload); }
    function stopWaiting() { if (gapTimer !== null) { clearTimeout(gapTimer); gapTimer = null; } }
    function drain() {
      while (early.has(lastSeq + 1)) {
        const e = early.get(lastSeq + 1);
        early.delete(lastSeq + 1);
        lastSeq += 1;
        hand(e[0], e[1]);
      }
      early.forEach(function (_e, seq) { if (seq <= lastSeq) early.delete(seq); });
      if (early.size === 0) { stopWaiting(); return; }
      if (gapTimer === null) {
        gapTimer = setTimeout(function () {           // the missing event did not come: redraw from scratch
          gapTimer = null;
          if (early.size) socket.emit("snapshot");
        }, QH.GAP_WAIT_MS);
      }
    }
    socket.on("connect", function () { status(true); });
    socket.on("disconnect", function (reason) {
      status(false);
      // the server dropped this socket on purpose: its token was revoked, or its staff member or
      // device deactivated (realtime.disconnect_revoked). socket.io does not reconnect by itself
      // then. Try once more, a moment later: the reconnection is refused, and the page learns why
      // (a clerk page's token request answers 401 and it brings back its sign-in form) instead of
      // sitting offline with buttons that fail
      if (reason === "io server disconnect") {
        setTimeout(function () { if (!socket.connected) socket.connect(); }, 500 + Math.random() * 1500);
      }
    });
    socket.on("connect_error", function (err) {
      // a public page past its limits (socket_limits.py) is refused as "busy": it stays refused, and
      // the page keeps current by polling; that is not an outage, so the page must not call it one
      const busy = !!(err && err.data && err.data.code === "busy");
      if (busy) socket.disconnect();
      status(false, busy ? "busy" : "offline");
    });
    socket.on("snapshot", function (snap) {
      stopWaiting();
      lastSeq = snap.seq;
      if (handlers.snapshot) handlers.snapshot(snap);
      drain();                                          // what came after the snapshot's seq, in order
    });
    socket.onAny(function (name, payload) {
      if (name === "snapshot") return;
      if (payload && typeof payload.seq === "number" && lastSeq !== null) {
        if (payload.seq <= lastSeq) return;             // already in the snapshot we drew
        if (payload.seq > lastSeq + 1) {               // one is missing: wait a moment for it
          early.set(payload.seq, [name, payload]);
          drain();
          return;
        }
        lastSeq = payload.seq;
        hand(name, payload);
        drain();
        return;
      }
      hand(name, payload);
    });
    st.resync = function () { socket.emit("snapshot"); };
    return st;
  };

  /**
   * The realtime library did not load (/vendor/socket.io.min.js missing or blocked): the page says
   * it is offline, as it does while a socket is down, and draws one snapshot over HTTP so a screen
   * does not pretend an empty hall. It never becomes live; the console says why.
   */
  function offlineForGood(handlers, auth) {
    console.error("queuehall: the realtime library (/vendor/socket.io.min.js) did not load; this page stays offline");
    const st = {socket: null, offline: true, resync: function () {}};
    setTimeout(function () {
      if (handlers.status) handlers.status(false);
      if (!auth && handlers.snapshot) {
        QH.api("/snapshot").then(function (res) { if (res.ok && res.body) handlers.snapshot(res.body); });
      }
    }, 0);
    return st;
  }

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
      else if (k === "style") e.style.cssText = attrs[k];  // CSSOM: the CSP refuses style attributes
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  };

  /** Lay out a live list's rows: rows: [{key, sig, build}], build() making a row when it is new or
   *  its signature changed; `done` (optional) runs once the rows are in place.
   *  Events re-render staff pages at any moment. A row rebuilt, moved or shifted between a button's
   *  press and its release takes the click with it (the browser sends it to the list), and the
   *  action is lost without a word. So while a button is held down, lists wait for its release;
   *  and a row whose signature has not changed is kept, not rebuilt. */
  let holding = false, until = null;
  const waiting = new Map();  // list -> [rows, done], its latest layout held back by a press
  function letGo() {
    clearTimeout(until); until = null;
    if (!holding) return;
    holding = false;
    const held = Array.from(waiting);
    waiting.clear();
    held.forEach(function (h) { QH.syncRows(h[0], h[1][0], h[1][1]); });
  }
  // a press of the main button on a button holds the lists
  document.addEventListener("pointerdown", function (e) {
    if (e.button !== 0 || !e.isPrimary) return;
    if (e.target && e.target.closest && e.target.closest("button")) { holding = true; clearTimeout(until); until = null; }
  }, true);
  // released: they wait for the click it makes (a touch's comes in a task of its own), or half a
  // second when it makes none (released beside the button)
  function released() { if (holding && !until) until = setTimeout(letGo, 500); }
  ["pointerup", "pointercancel", "contextmenu"].forEach(function (n) { document.addEventListener(n, released, true); });
  document.addEventListener("pointermove", function (e) { if (e.buttons === 0) released(); }, true);
  document.addEventListener("click", function () {
    if (holding) { clearTimeout(until); until = setTimeout(letGo, 0); }  // after the click's own handlers
  }, true);
  window.addEventListener("blur", letGo);
  /** Whether lists are held by a press: code that changes a list's rows itself must wait too. */
  QH.holding = function () { return holding; };

  QH.syncRows = function (parent, rows, done) {
    if (holding) { waiting.set(parent, [rows, done]); return; }
    waiting.delete(parent);
    // a node moved in the page is taken out and put back, and the browser forgets a press on it
    // as on a removed one: rows that go are removed first, and a kept row moves only when the
    // order itself changes
    const want = {};
    rows.forEach(function (r) { if (!(r.key in want)) want[r.key] = r.sig; });
    const keep = {};
    Array.prototype.slice.call(parent.childNodes).forEach(function (n) {
      const k = n.dataset && n.dataset.key;
      if (k !== undefined && want[k] === n.dataset.sig && !keep[k]) keep[k] = n;
      else parent.removeChild(n);
    });
    let at = parent.firstChild;
    rows.forEach(function (r) {
      let n = keep[r.key];
      delete keep[r.key];
      if (!n) { n = r.build(); n.dataset.key = r.key; n.dataset.sig = r.sig; }
      if (n === at) at = at.nextSibling; else parent.insertBefore(n, at);
    });
    if (done) done();
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
