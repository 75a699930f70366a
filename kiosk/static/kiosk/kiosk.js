/* The ticket kiosk: departments -> items -> guide -> ticket, search by pinyin initials or keyword
   chips, priority tickets by a staff member's one-time code (priority.js), hours and printer
   notices (hall.js), print state, idle countdown and reset. Uses only the public API. */
(function () {
  "use strict";
  const cfg = window.QH_CONFIG || {};
  const t = QH.t, el = QH.el;
  const en = cfg.locale === "en";
  const $ = function (id) { return document.getElementById(id); };
  const S = {depts: [], services: [], est: {}, consulting: [], keywords: [], dept: null, service: null,
             from: "items", query: "", keyword: null, lastTouch: Date.now()};
  const hall = QHKioskHall({onChange: function () { render(); }});
  const ticket = QHKioskTicket({show: function (screen) { notify.reset(); show(screen); }});
  // --- notices hook (issue 19): 到号前短信提醒我 on the ticket screen (notify.js)
  const notify = QHKioskNotify({
    busy: function (on) { modal("k-busy", on); },
    ticket: function () { return ticket.current(); },
  });
  const priority = QHKioskPriority({
    service: function () { return S.service; },
    busy: function (on) { modal("k-busy", on); },
    done: function (tk) { ticket.show(tk, name(S.service)); },
    fail: function (res) { failed(res); },
  });

  // --- booking hook (issue 19): 预约取号 (booking.js)
  const booking = QHKioskBooking({
    busy: function (on) { modal("k-busy", on); },
    done: function (tk) {
      ticket.show(tk, serviceName(tk.service_id));
      const mark = $("k-t-prio");  // a booked ticket says so, with its slot
      mark.textContent = t("kiosk.booking.mark", {time: tk.appointment.start.slice(11, 16)});
      mark.hidden = false;
    },
    takeOrdinary: function (sid) { const sv = S.services.find(function (x) { return x.id === sid; }); if (sv) { S.service = sv; take(); } },
    fail: function (res) { failed(res); },
  });
  // --- 投诉/建议/咨询 (issue 18): complaint.js
  const complaint = QHKioskComplaint({
    departments: function () { return S.depts; },
    busy: function (on) { modal("k-busy", on); },
    show: function (screen) { show(screen); },
    finish: function () { resetToStart(); },
  });
  function serviceName(id) { const sv = S.services.find(function (x) { return x.id === id; }); return sv ? name(sv) : ""; }

  function name(o) { return en && o.name_en ? o.name_en : o.name; }

  // ---- screens ---------------------------------------------------------------------------------
  function show(screen) {
    document.querySelectorAll(".k-screen").forEach(function (s) { s.hidden = s.dataset.screen !== screen; });
    S.screen = screen;
    document.body.dataset.shown = screen;
    document.querySelector(".k-main").scrollTop = 0;
  }

  function modal(id, open) { $(id).hidden = !open; }

  function message(titleKey, body) {
    $("m-title").textContent = t(titleKey);
    $("m-body").textContent = body;
    modal("m-message", true);
  }

  // ---- data ------------------------------------------------------------------------------------
  async function loadCatalogue() {
    const res = await Promise.all([QH.api("/departments"), QH.api("/services"), QH.api("/public/estimates")]);
    if (res[0].ok) { S.depts = res[0].body.items; complaint.render(); }
    if (res[1].ok) S.services = res[1].body.items.filter(function (s) { return s.active !== false; });
    applyEstimates(res[2]);
    render();
  }

  function applyEstimates(r) {
    if (!r.ok) return;
    S.est = {};
    r.body.items.forEach(function (i) { S.est[i.service_id] = i; });
    S.consulting = r.body.consulting_windows || [];
    S.keywords = (r.body.keywords || []).filter(function (k) { return t("kiosk.kw." + k.key) !== "kiosk.kw." + k.key; });
  }

  let estTimer = null;
  function refreshEstimatesSoon() {
    clearTimeout(estTimer);
    estTimer = setTimeout(async function () { applyEstimates(await QH.api("/public/estimates")); render(); }, 600);
  }

  /** Why no number can be taken for this item now ("full", "closed"), or null. */
  function unavailable(sv) {
    const e = S.est[sv.id];
    if (e && e.full) return "full";
    if (!hall.taking()) return "closed";
    if (e && e.open_now === false) return "item_closed";
    return null;
  }

  // ---- rendering -------------------------------------------------------------------------------
  function waitLine(sv) {
    const e = S.est[sv.id];
    if (!e) return "";
    if (e.windows_serving === 0) return t("kiosk.no_window");
    if (!e.windows_open) return t("kiosk.windows_closed");
    return e.estimated_wait_min > 0 ? t("kiosk.wait_min", {n: e.estimated_wait_min}) : t("kiosk.wait_none");
  }

  function waiting(sv) { const e = S.est[sv.id]; return e ? e.waiting : (sv.waiting || 0); }

  /** Draw a list keyed by id; when the same entries are shown, only their texts change (a tap never lands on a vanished button). */
  function syncList(box, entries, make, update) {
    const keys = entries.map(function (e) { return String(e.key); }).join(",");
    if (box.dataset.keys !== keys) {
      box.textContent = "";
      entries.forEach(function (e) { const node = make(e); node.dataset.key = e.key; box.appendChild(node); });
      box.dataset.keys = keys;
    }
    Array.prototype.forEach.call(box.children, function (node, i) { update(node, entries[i]); });
  }

  function renderDepts() {
    const entries = [];
    S.depts.forEach(function (d) {
      const items = S.services.filter(function (s) { return s.department.id === d.id; });
      if (items.length) entries.push({key: d.id + ":" + name(d), dept: d, items: items});
    });
    syncList($("k-depts"), entries, function (e) {
      return el("button", {type: "button", class: "k-tile", "data-dept": e.dept.id, onclick: function () { openDept(e.dept); }}, [
        el("span", {class: "k-tile-name", text: en && e.dept.name_en ? e.dept.name_en : (e.dept.short_name || e.dept.name)}),
        el("span", {class: "k-tile-sub"}),
      ]);
    }, function (node, e) {
      const total = e.items.reduce(function (n, s) { return n + waiting(s); }, 0);
      node.querySelector(".k-tile-sub").textContent = t("kiosk.items_n", {n: e.items.length}) + " · " + t("kiosk.waiting_n", {n: total});
    });
  }

  function itemCard(sv, withDept) {
    const modeKey = "kiosk.mode." + (sv.handling || sv.mode);
    return el("button", {type: "button", class: "k-item", "data-service": sv.id, onclick: function () { openGuide(S.services.find(function (x) { return x.id === sv.id; }) || sv); }}, [
      el("span", {class: "k-item-name", text: name(sv)}),
      withDept ? el("span", {class: "k-item-dept", text: name(sv.department)}) : null,
      el("span", {class: "k-item-figs"}, [
        el("span", {class: "k-badge k-full-badge", "data-testid": "full-badge", hidden: "hidden"}),
        el("span", {class: "k-badge k-wait-n"}),
        el("span", {class: "k-badge k-wait-min"}),
        el("span", {class: "k-badge k-left", hidden: "hidden"}),
        t(modeKey) !== modeKey ? el("span", {class: "k-badge k-mode", text: t(modeKey)}) : null,
      ]),
    ]);
  }

  function updateCard(node, e) {
    node.querySelector(".k-wait-n").textContent = t("kiosk.waiting_n", {n: waiting(e.sv)});
    const wait = node.querySelector(".k-wait-min");
    wait.textContent = waitLine(e.sv);
    wait.classList.toggle("closed", !!S.est[e.sv.id] && !S.est[e.sv.id].windows_open);
    const est = S.est[e.sv.id] || {};
    const full = !!est.full;
    node.classList.toggle("k-full", full);
    node.setAttribute("aria-disabled", full ? "true" : "false");
    const badge = node.querySelector(".k-full-badge");
    badge.hidden = !full;
    badge.textContent = full ? t("kiosk.full_today") : "";
    node.querySelector(".k-wait-n").hidden = full;
    wait.hidden = full;
    const left = node.querySelector(".k-left");
    const few = !full && est.remaining_today !== null && est.remaining_today !== undefined && est.remaining_today <= 10;
    left.hidden = !few;
    left.textContent = few ? t("kiosk.remaining_n", {n: est.remaining_today}) : "";
  }

  function renderItems() {
    if (!S.dept) return;
    $("k-dept-name").textContent = name(S.dept);
    const entries = S.services.filter(function (s) { return s.department.id === S.dept.id; })
      .map(function (sv) { return {key: sv.id + ":" + name(sv), sv: sv}; });
    syncList($("k-items"), entries, function (e) { return itemCard(e.sv, false); }, updateCard);
  }

  function matches(sv, q) {
    const e = S.est[sv.id] || {};
    const initials = e.initials || "", pinyin = e.pinyin || "";
    if (initials.startsWith(q)) return 3;
    if (sv.name.indexOf(q) >= 0 || initials.indexOf(q) >= 0) return 2;
    if (pinyin.indexOf(q) >= 0 || (sv.name_en || "").toLowerCase().indexOf(q) >= 0 ||
        sv.department.name.indexOf(q) >= 0) return 1;
    return 0;
  }

  function label(kw) { return t("kiosk.kw." + kw.key).toLowerCase(); }

  /** Keywords a typed query stands for: a term typed (社保, 公积金), or the pinyin initials of one (sb, gjj). */
  function keywordHits(q) {
    const latin = /^[a-z]+$/.test(q);
    return S.keywords.filter(function (k) {
      if (q === label(k)) return true;
      if (latin) {
        return q.length >= 2 && (k.initials || []).some(function (i) { return i.length >= 2 && i.indexOf(q) === 0; });
      }
      return (k.terms || []).some(function (term) {
        return term === q || (q.length >= 2 && (term.indexOf(q) === 0 || (term.length >= 2 && q.indexOf(term) >= 0)));
      });
    });
  }

  function renderChips() {
    syncList($("k-chips"), S.keywords.map(function (k) { return {key: k.key, kw: k}; }), function (e) {
      return el("button", {type: "button", class: "k-chip", "data-keyword": e.key, onclick: function () { pickKeyword(e.kw); }},
        [t("kiosk.kw." + e.key)]);
    }, function (node, e) { node.classList.toggle("on", !!S.keyword && S.keyword.key === e.key); });
  }

  function pickKeyword(kw) {
    S.keyword = S.keyword && S.keyword.key === kw.key ? null : kw;
    S.query = S.keyword ? t("kiosk.kw." + kw.key) : "";
    renderResults();
  }

  function typed(next) { S.keyword = null; S.query = next; renderResults(); }

  function renderResults() {
    const q = S.query.trim().toLowerCase();
    $("k-search").value = S.query;
    renderChips();
    const box = $("k-results");
    let found;
    // a keyword typed as its chip reads finds exactly what a tap on the chip finds
    const chip = S.keyword || S.keywords.find(function (k) { return q && q === label(k); });
    if (chip) {
      const ids = chip.service_ids;
      found = S.services.filter(function (sv) { return ids.indexOf(sv.id) >= 0; }).map(function (sv) { return [1, sv]; });
    } else {
      const hit = {};
      if (q) keywordHits(q).forEach(function (k) { k.service_ids.forEach(function (id) { hit[id] = true; }); });
      found = !q ? [] : S.services.map(function (sv) { return [Math.max(matches(sv, q), hit[sv.id] ? 3 : 0), sv]; })
        .filter(function (p) { return p[0] > 0; })
        .sort(function (a, b) { return b[0] - a[0] || a[1].sort - b[1].sort; });
    }
    if (q && !found.length) {
      box.dataset.keys = "none";
      box.textContent = "";
      box.appendChild(el("p", {class: "k-hint", text: t("kiosk.search_empty")}));
      return;
    }
    syncList(box, found.map(function (p) { return {key: p[1].id + ":" + name(p[1]), sv: p[1]}; }),
      function (e) { return itemCard(e.sv, true); }, updateCard);
  }

  function render() {
    renderDepts();
    if (S.screen === "items") renderItems();
    if (S.screen === "search") renderResults();
    if (S.screen === "guide" && S.service) renderGuideMeta();
  }

  // ---- navigation ------------------------------------------------------------------------------
  function openDept(d) { S.dept = d; S.from = "items"; show("items"); renderItems(); }

  function openSearch() { S.from = "search"; show("search"); renderResults(); }

  function renderGuideMeta() {
    const sv = S.service, box = $("k-guide-meta");
    box.textContent = "";
    const why = unavailable(sv);
    const own = ownHours(sv);
    [name(sv.department), why === "full" ? t("kiosk.full_today") : t("kiosk.waiting_n", {n: waiting(sv)}),
     why === "full" ? "" : waitLine(sv)].forEach(function (txt) {
      if (txt) box.appendChild(el("span", {class: "k-badge", text: txt}));
    });
    if (own) box.appendChild(el("span", {class: "k-badge k-item-hours", "data-testid": "item-hours", text: t("kiosk.item_hours", {hours: own})}));
    // a full item or a closed hall: the guide stays readable, the take buttons go
    const note = $("k-guide-unavailable");
    note.hidden = !why;
    note.dataset.reason = why || "";
    note.textContent = why === "full" ? t("kiosk.full_body") : why === "closed" ? t("kiosk.closed_guide", {closed: hall.closedText()})
      : why === "item_closed" ? itemClosedText(sv, own) : "";
    $("k-guide-actions").hidden = !!why;
    document.querySelector("#s-guide .k-hint.k-small").hidden = !!why;
  }

  /** Why this item is not issued now while the hall issues others (a 延时/错时 period running, or
      its own hours), and when it is next. */
  function itemClosedText(sv, own) {
    const e = S.est[sv.id] || {};
    const when = e.next_open ? t("kiosk.item_next_open", {when: hall.whenText(e.next_open)}) : "";
    if (!own) return t("kiosk.item_not_in_period") + when + t("kiosk.item_read_guide");
    return t("kiosk.item_closed", {hours: own}) + (when ? " " + when : "");
  }

  /** The item's own hours as words ("" when it keeps the hall's). */
  function ownHours(sv) {
    const e = S.est[sv.id] || {};
    const hours = e.hours || sv.hours;
    return hours && Object.keys(hours).length ? QHHours.week(hours) : "";
  }

  function openGuide(sv) {
    S.service = sv;
    $("k-guide-name").textContent = name(sv);
    renderGuideMeta();
    const dl = $("k-guide");
    dl.textContent = "";
    const d = sv.disclosure || {};
    /** In English mode the English field when the item has one, the Chinese one otherwise. */
    function field(k) {
      const v = d[k + "_en"];
      return en && v && (!Array.isArray(v) || v.length) ? v : d[k];
    }
    ["basis", "conditions", "materials", "procedure", "time_limit", "fees"].map(function (k) { return [k, field(k)]; }).forEach(function (f) {
      if (!f[1] || (Array.isArray(f[1]) && !f[1].length)) return;
      const dd = el("dd", {class: "k-field-" + f[0]});
      if (Array.isArray(f[1])) {
        dd.appendChild(el(f[0] === "procedure" ? "ol" : "ul", {class: f[0] === "procedure" ? "k-steps" : "k-materials"},
          f[1].map(function (x) { return el("li", {text: x}); })));
      } else {
        dd.textContent = f[1];
      }
      dl.appendChild(el("div", {class: "k-field"}, [el("dt", {text: t("kiosk." + f[0])}), dd]));
    });
    document.querySelector("#s-guide [data-back]").dataset.back = S.from;
    show("guide");
  }

  function consultingDesk() {
    const d = S.consulting[0];
    if (!d) return t("kiosk.consult_desk");
    return (en ? (d.name_en || d.name) : d.name) + " (" + t("common.window_n", {n: d.number}) + ")";
  }

  // ---- taking a ticket -------------------------------------------------------------------------
  function errorMessage(res) {
    const code = res.body && res.body.error && res.body.error.code;
    const key = "kiosk.err." + code;
    return t(key) !== key ? t(key) : (code ? QH.errorText(res) + " " : "") + t("kiosk.err.generic");
  }

  function failed(res) {
    const err = (res.body && res.body.error) || {};
    // refused by the item's own hours: name those hours, not the hall's
    const own = err.code === "outside_hours" && err.hours && Object.keys(err.hours).length;
    const next = err.code === "outside_hours" && err.next_open ? t("kiosk.item_next_open", {when: hall.whenText(err.next_open)}) : "";
    message("kiosk.err.title", own ? t("kiosk.err.item_hours", {name: S.service ? name(S.service) : "", hours: QHHours.week(err.hours)}) + (next ? " " + next : "")
      : err.period ? t("kiosk.err.not_in_period", {name: S.service ? name(S.service) : ""}) + next
      : errorMessage(res));
    if (own || err.period) refreshEstimatesSoon();
    const code = err.code;
    if (code === "outside_hours") hall.loadStatus();
    if (code === "daily_cap_reached") refreshEstimatesSoon();
  }

  function beforeTaking() {
    if (unavailable(S.service)) { renderGuideMeta(); return false; }
    if (S.service.needs_consult) {
      message("kiosk.consult_title", t("kiosk.consult_body", {desk: consultingDesk()}));
      return false;
    }
    return true;
  }

  async function take() {
    if (!beforeTaking()) return;
    modal("k-busy", true);
    const res = await QH.api("/tickets", {body: {service_id: S.service.id}});
    modal("k-busy", false);
    if (!res.ok) { failed(res); return; }
    ticket.show(res.body, name(S.service));
  }

  function openPriority() {
    if (!beforeTaking()) return;
    priority.open();
  }

  // ---- realtime --------------------------------------------------------------------------------
  function onEvent(evName, p) {
    if (evName === "idcard.card" && p) { booking.card(p); return; }  // --- booking hook (issue 19)
    if ((evName === "queue.changed" || evName === "ticket.called") && p && p.waiting) {  // a call carries the counts
      Object.keys(p.waiting).forEach(function (sid) { if (S.est[sid]) S.est[sid].waiting = p.waiting[sid]; });
      render();
      refreshEstimatesSoon();
      if (S.screen === "ticket") ticket.refresh();
    } else if (evName === "catalog.changed") {
      loadCatalogue();
      hall.loadStatus();
    } else if (evName === "print.updated" || evName === "ticket.updated") {
      ticket.onEvent(evName, p);
    } else if (evName === "window.changed") {
      refreshEstimatesSoon();
    } else if (evName === "printer.status") {
      hall.onPrinterStatus(p);
    }
  }

  // ---- idle, large text, language, clock -------------------------------------------------------
  function setLarge(on) {
    document.documentElement.classList.toggle("large", on);
    $("k-large").setAttribute("aria-pressed", on ? "true" : "false");
    $("k-large-label").textContent = t(on ? "kiosk.large_off" : "kiosk.large_on");
    try { on ? sessionStorage.setItem("qh-large", "1") : sessionStorage.removeItem("qh-large"); } catch (e) { /* private mode */ }
  }

  function resetToStart() {
    ["m-message", "m-idle", "k-busy"].forEach(function (id) { modal(id, false); });
    priority.close();
    booking.close();  // a half-typed booking code never waits for the next visitor
    notify.reset();  // nor a phone number
    complaint.reset();  // nor a half-filled complaint (or its phone number)
    ticket.clear();
    S.service = null; S.dept = null; S.query = ""; S.keyword = null;
    setLarge(false);
    show("home");
    if (cfg.defaultLocale && cfg.locale !== cfg.defaultLocale) QH.setLocale(cfg.defaultLocale);
  }

  /** Left alone, the kiosk counts down on screen, then goes back to the start for the next visitor. */
  function checkIdle() {
    const idleMs = (cfg.idleSeconds || 60) * 1000;
    const warnMs = Math.min((cfg.idleWarnSeconds === undefined ? 10 : cfg.idleWarnSeconds) * 1000, idleMs / 2);
    const busy = S.screen !== "home" || !$("m-message").hidden || !$("m-priority").hidden || !$("m-booking").hidden ||
      !$("m-notify").hidden ||
      document.documentElement.classList.contains("large") || (cfg.defaultLocale && cfg.locale !== cfg.defaultLocale);
    const quiet = Date.now() - S.lastTouch;
    if (busy && quiet > idleMs) { S.lastTouch = Date.now(); resetToStart(); return; }
    const warn = busy && warnMs > 0 && quiet > idleMs - warnMs;
    if (warn) {
      modal("m-idle", true);
      $("m-idle-body").textContent = t("kiosk.idle_body", {n: Math.max(1, Math.ceil((idleMs - quiet) / 1000))});
    } else if (!$("m-idle").hidden && quiet > 700) {
      // a touch dismisses the warning; not at once, or the lifted finger would tap what lies under it
      modal("m-idle", false);
    }
  }

  function touched() { S.lastTouch = Date.now(); }

  function tick() {
    const now = QH.hallNow();
    const pad = function (n) { return (n < 10 ? "0" : "") + n; };
    $("k-clock").textContent = now.y + "-" + pad(now.m) + "-" + pad(now.d) + " " + pad(now.hh) + ":" + pad(now.mm);
  }

  // ---- wiring ----------------------------------------------------------------------------------
  function wire() {
    ["pointerdown", "touchstart", "keydown"].forEach(function (ev) {
      document.addEventListener(ev, touched, {passive: true, capture: true});
    });
    $("m-idle").addEventListener("click", function () { touched(); modal("m-idle", false); });
    $("k-home").addEventListener("click", function () { resetToStart(); });
    $("k-large").addEventListener("click", function () { setLarge(!document.documentElement.classList.contains("large")); });
    $("k-lang").addEventListener("click", function () { QH.setLocale(this.dataset.lang); });
    $("k-open-search").addEventListener("click", openSearch);
    document.querySelectorAll("[data-back]").forEach(function (b) {
      b.addEventListener("click", function () { show(b.dataset.back); render(); });
    });
    $("k-take").addEventListener("click", take);
    $("k-take-priority").addEventListener("click", openPriority);
    $("k-done").addEventListener("click", resetToStart);
    $("m-ok").addEventListener("click", function () { modal("m-message", false); });
    const search = $("k-search");
    search.addEventListener("input", function () { typed(search.value); });
    QHKeyboard.build($("k-keyboard"), {
      onKey: function (ch) { typed((S.keyword ? "" : S.query) + ch); },
      onBackspace: function () { typed(S.keyword ? "" : S.query.slice(0, -1)); },
      onClear: function () { typed(""); },
    });
  }

  function start() {
    QH.translatePage();
    wire();
    let large = false;
    try { large = sessionStorage.getItem("qh-large") === "1"; } catch (e) { /* private mode */ }
    setLarge(large);
    show("home");
    tick();
    setInterval(tick, 10000);
    setInterval(checkIdle, 250);
    setInterval(function () { refreshEstimatesSoon(); hall.loadStatus(); }, 30000);
    loadCatalogue();
    hall.loadStatus();
    hall.loadPrinter();
    QH.realtime({
      snapshot: function () { refreshEstimatesSoon(); hall.loadStatus(); hall.loadPrinter(); },
      event: onEvent,
      status: function (on) { $("k-offline").hidden = on; },
    });
  }

  window.QHKiosk = {state: S, ticket: ticket, resetToStart: resetToStart};
  start();
})();
