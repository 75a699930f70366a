/* Clerk workstation: one window, its current ticket and queue, actions by button and keyboard.
   Talks only to the public API (QH.api) and realtime events (QH.realtime). */
(function () {
  "use strict";
  const cfg = window.QH_CONFIG || {};
  const me = cfg.me;
  const t = QH.t, el = QH.el, syncRows = QH.syncRows;
  const $ = function (id) { return document.getElementById(id); };
  const PAUSE_REASONS = ["lunch", "meeting", "field", "away"];

  const st = {
    windows: {},          // id -> window JSON
    services: {},         // id -> service JSON
    waiting: {},          // service id -> count (hall)
    sel: null,            // selected window id
    current: null,        // full ticket held by the selected window
    events: [],           // its history
    queue: [],
    listed: [],
    allowPick: false,
    busy: false,          // a request is running: every action button is disabled
    dialog: null,
  };

  // ---- helpers ---------------------------------------------------------------------------------
  function errText(res) {
    const code = res && res.body && res.body.error && res.body.error.code;
    if (code) {
      const k = "caller.err." + code;
      if (t(k) !== k) return t(k);
    }
    return QH.errorText(res);
  }
  let msgTimer = null;
  function say(text, kind) {
    const m = $("msg");
    m.textContent = text; m.hidden = false; m.dataset.kind = kind || "info";
    clearTimeout(msgTimer);
    msgTimer = setTimeout(function () { m.hidden = true; }, kind === "error" ? 8000 : 4000);
  }
  function minutes(fromIso, toIso) {
    if (!fromIso) return null;
    const a = Date.parse(fromIso), b = toIso ? Date.parse(toIso) : Date.now();
    return Math.max(0, Math.floor((b - a) / 60000));
  }
  function clock(fromIso) {
    const s = Math.max(0, Math.floor((Date.now() - Date.parse(fromIso)) / 1000));
    const mm = Math.floor(s / 60), ss = s % 60;
    return mm + ":" + (ss < 10 ? "0" : "") + ss;
  }
  // names in the page's language: the English name where the hall gave one, else the Chinese
  const EN = cfg.locale === "en";
  function named(x) { return x ? (EN && x.name_en) || x.name || "" : ""; }
  function serviceName(id) { const s = st.services[id]; return s ? named(s) : "#" + id; }
  function windowLabel(id) {
    const w = st.windows[id];
    return w ? t("common.window_n", {n: w.number}) + " " + named(w) : "#" + id;
  }
  function sel() { return st.sel ? st.windows[st.sel] : null; }
  function isMine(w) { return !!(w && w.state !== "closed" && w.staff && w.staff.id === me.id); }
  // open under someone else: only a supervisor may take it over (with the ticket it holds)
  function heldByOther(w) { return !!(w && w.state !== "closed" && w.staff && w.staff.id !== me.id); }
  function allowedWindows() {
    const all = Object.values(st.windows).sort(function (a, b) { return a.number - b.number; });
    return me.supervisor ? all : all.filter(function (w) { return me.window_ids.indexOf(w.id) >= 0; });
  }

  // ---- API actions (one at a time) --------------------------------------------------------------
  // A 401 means this sign-in has ended (signed out elsewhere, password reset, account deactivated):
  // reload, and the server shows the sign-in form instead of a page whose every button fails.
  async function api(path, opts) {
    const res = await QH.api(path, opts);
    if (res.status === 401 && !st.signedOut) { st.signedOut = true; window.location.reload(); }
    return res;
  }

  async function run(fn) {
    if (st.busy) return null;
    st.busy = true; render();
    try { return await fn(); } finally { st.busy = false; render(); }
  }
  async function post(path, body, okText) {
    const res = await api(path, {method: "POST", body: body || {}});
    if (!res.ok) { say(errText(res), "error"); return null; }
    if (okText) say(okText, "ok");
    return res.body;
  }
  async function ticketAction(name, body, okKey) {
    const cur = st.current;
    if (!cur) { say(t("caller.err.no_current"), "error"); return null; }
    const out = await post("/tickets/" + cur.id + "/" + name, body, okKey ? t(okKey, {number: cur.number}) : null);
    if (out) await refresh();
    return out;
  }
  async function callNext() {
    const w = sel(); if (!w) return null;
    const out = await post("/windows/" + w.id + "/call-next", {});
    if (out) { say(t("caller.called", {number: out.number}), "ok"); await refresh(); }
    return out;
  }
  async function pickCall(ticket) {
    const w = sel(); if (!w) return null;
    const out = await post("/tickets/" + ticket.id + "/call", {window_id: w.id});
    if (out) { say(t("caller.called", {number: out.number}), "ok"); await refresh(); }
    return out;
  }
  async function windowAction(action, body) {
    const w = sel(); if (!w) return null;
    const out = await post("/windows/" + w.id + "/" + action, body);
    if (out) { st.windows[out.id] = out; await refresh(); }
    return out;
  }
  async function takeOver(w) {
    const from = heldByOther(w) ? w.staff.name : null;
    const okText = from ? t("caller.taken_over_from", {n: w.number, name: from}) : t("caller.taken_over", {n: w.number});
    const out = await post("/windows/" + w.id + "/open", {}, okText);
    if (out) st.windows[out.id] = out;
    return out;
  }

  const ACTIONS = {
    "call-next": function () { return run(callNext); },
    "recall": function () { return run(function () { return ticketAction("recall", null, "caller.recalled"); }); },
    "start": function () { return run(function () { return ticketAction("start", null, "caller.started"); }); },
    "finish": function () { return run(function () { return ticketAction("finish", {outcome: "done"}, "caller.finished"); }); },
    "finish-next": function () {
      // two API calls: the API never ends a ticket silently
      return run(async function () {
        const done = await ticketAction("finish", {outcome: "done"}, "caller.finished");
        if (done) await callNext();
      });
    },
    "park": function () { openPark(); },
    "refuse": function () { openRefuse(); },
    "accept": function () { openAccept(); },
    "no-show": function () { return run(function () { return ticketAction("no-show", null, "caller.no_showed"); }); },
    "transfer": function () { openTransfer(); },
    "cancel-current": function () { return run(function () { return ticketAction("cancel", {}, "caller.cancelled"); }); },
    "open": function () {
      return run(async function () {
        const w = sel();
        if (!heldByOther(w)) return windowAction("open", {});
        const out = await takeOver(w);
        if (out) await refresh();
        return out;
      });
    },
    "pause": function () { openPause(); },
    "resume-window": function () { return run(function () { return windowAction("resume"); }); },
    "close": function () { return run(function () { return windowAction("close"); }); },
  };

  // which actions make sense now (the API still decides)
  function enabled(act) {
    if (st.busy || st.dialog) return false;
    const w = sel(), mine = isMine(w), cur = st.current, s = cur && cur.state;
    switch (act) {
      case "open": return !!w && !mine && (!heldByOther(w) || me.supervisor);
      case "pause": return mine && w.state === "open";
      case "resume-window": return mine && w.state === "paused";
      case "close": return mine && !cur;
      case "call-next": return mine && w.state === "open" && !cur;
      case "recall": case "no-show": return mine && s === "called";
      case "start": return mine && s === "called";
      case "finish": case "park": case "refuse": return mine && s === "serving";
      case "accept": return mine && s === "serving" && promised(cur.service_id);
      case "finish-next": return mine && s === "serving" && w.state === "open";
      case "transfer": return mine && (s === "called" || s === "serving");
      case "cancel-current": return me.supervisor && s === "called";
    }
    return false;
  }

  // ---- dialogs -------------------------------------------------------------------------------------
  function openDialog(title, body, onOk, okValid) {
    if (st.busy) return;
    st.dialog = {onOk: onOk, valid: okValid || function () { return true; }};
    $("dlg-title").textContent = title;
    const b = $("dlg-body"); b.textContent = ""; b.appendChild(body);
    $("dlg-error").hidden = true;
    $("dlg-back").hidden = false;
    updateDialog();
    const first = b.querySelector("textarea, select, input, button");
    if (first) first.focus();
    render();
  }
  function updateDialog() { if (st.dialog) $("dlg-ok").disabled = st.busy || !st.dialog.valid(); }
  function closeDialog() { st.dialog = null; $("dlg-back").hidden = true; render(); }
  async function confirmDialog() {
    const d = st.dialog;
    if (!d || !d.valid() || st.busy) return;
    st.busy = true; updateDialog();
    let ok = false;
    try { ok = await d.onOk(); } finally { st.busy = false; }
    if (ok) closeDialog(); else { updateDialog(); render(); }
  }
  $("dlg-ok").addEventListener("click", confirmDialog);
  $("dlg-cancel").addEventListener("click", closeDialog);

  function openRefuse() {
    if (!enabled("refuse")) return;
    const ta = el("textarea", {id: "refuse-reason", rows: "3", maxlength: "500", placeholder: t("caller.refuse_placeholder")});
    ta.addEventListener("input", updateDialog);
    openDialog(t("caller.refuse_title", {number: st.current.number}), el("div", {}, [ta]), async function () {
      const out = await ticketAction("finish", {outcome: "refused", reason: ta.value.trim()}, "caller.refused");
      if (out) showDocs(out, "refused");
      return !!out;
    }, function () { return ta.value.trim().length > 0; });
  }

  // ---- counter outcomes of issue 17: 受理 opens a case, 补正 lists the missing materials -----------
  function promised(serviceId) {
    const sv = st.services[serviceId];
    return !!sv && sv.mode !== "instant" && sv.promised_days > 0;
  }
  function showDocs(ticket, kind) {
    const box = $("last-outcome"); box.textContent = "";
    const items = [el("span", {text: t("caller.outcome_" + kind, {number: ticket.number})})];
    if (kind === "accepted" && ticket.case) {
      items.push(el("strong", {"data-testid": "case-number", text: ticket.case.number}));
      items.push(el("span", {text: t("caller.case_due", {date: ticket.case.due_date})}));
    }
    const link = {parked: "notice", refused: "refusal"}[kind];
    if (link) {
      items.push(el("a", {class: "qc-btn qc-small", href: "/t/" + encodeURIComponent(ticket.public_id) + "/" + link,
                          target: "_blank", rel: "noopener", "data-testid": "print-" + link,
                          text: t("caller.print_" + link)}));
    }
    items.forEach(function (x) { box.appendChild(x); });
    box.hidden = false;
  }
  function openAccept() {
    if (!enabled("accept")) return;
    const sv = st.services[st.current.service_id];
    const name = el("input", {id: "applicant-name", maxlength: "100", placeholder: t("caller.applicant_name")});
    const phone = el("input", {id: "applicant-phone", maxlength: "20", inputmode: "tel", placeholder: t("caller.applicant_phone")});
    const notify = el("input", {id: "applicant-notify", type: "checkbox"});
    [name, phone].forEach(function (x) { x.addEventListener("input", updateDialog); });
    const body = el("div", {class: "qc-form"}, [
      el("p", {class: "qc-muted", text: t("caller.accept_hint", {days: sv.promised_days})}),
      el("label", {}, [t("caller.applicant_name"), name]), el("label", {}, [t("caller.applicant_phone"), phone]),
      el("label", {class: "qc-check"}, [notify, t("caller.applicant_notify")])]);
    openDialog(t("caller.accept_title", {number: st.current.number}), body, async function () {
      const out = await ticketAction("finish", {outcome: "accepted",
        applicant: {name: name.value.trim(), phone: phone.value.trim(), notify: notify.checked}}, null);
      if (out && out.case) { say(t("caller.accepted", {number: out.number, case: out.case.number}), "ok"); showDocs(out, "accepted"); }
      return !!out;
    }, function () { return name.value.trim().length > 0 && /^\+?[0-9][0-9 -]{5,24}$/.test(phone.value.trim()); });
  }
  function openPark() {
    if (!enabled("park")) return;
    const sv = st.services[st.current.service_id] || {};
    const listed = ((sv.disclosure || {}).materials || []);
    const listedEn = ((sv.disclosure || {}).materials_en || []);
    // the clerk ticks them in the page's language; the 一次性告知书 they go into is an official
    // document in Chinese, so the value sent is the Chinese material
    const boxes = listed.map(function (m, i) {
      const cb = el("input", {type: "checkbox", value: m, id: "mat-" + i});
      cb.addEventListener("change", updateDialog);
      return el("label", {class: "qc-check"}, [cb, " " + ((EN && listedEn[i]) || m)]);
    });
    const other = el("textarea", {id: "park-other", rows: "2", maxlength: "600", placeholder: t("caller.park_other")});
    const note = el("input", {id: "park-note", maxlength: "500", placeholder: t("caller.park_note")});
    other.addEventListener("input", updateDialog);
    function chosen() {
      const picked = boxes.map(function (b) { return b.querySelector("input"); }).filter(function (cb) { return cb.checked; })
        .map(function (cb) { return cb.value; });
      return picked.concat(other.value.split("\n").map(function (x) { return x.trim(); }).filter(Boolean));
    }
    const body = el("div", {class: "qc-form"}, [el("p", {class: "qc-muted", text: t("caller.park_hint")})]
      .concat(boxes).concat([other, note]));
    openDialog(t("caller.park_title", {number: st.current.number}), body, async function () {
      const out = await ticketAction("finish", {outcome: "parked", materials: chosen(), note: note.value.trim() || null},
                                     "caller.parked");
      if (out) showDocs(out, "parked");
      return !!out;
    }, function () { return chosen().length > 0; });
  }

  function openPause() {
    if (!enabled("pause")) return;
    let chosen = null;
    const box = el("div", {class: "qc-choices"});
    PAUSE_REASONS.forEach(function (r, i) {
      const b = el("button", {class: "qc-btn qc-choice", type: "button", "data-reason": r}, [
        t("caller.pause_" + r), el("kbd", {text: String(i + 1)})]);
      b.addEventListener("click", function () {
        chosen = r;
        box.querySelectorAll("button").forEach(function (x) { x.classList.toggle("qc-chosen", x === b); });
        updateDialog();
      });
      box.appendChild(b);
    });
    openDialog(t("caller.pause_title"), box, async function () {
      return !!(await windowAction("pause", {reason: chosen}));
    }, function () { return chosen !== null; });
  }

  function openTransfer() {
    if (!enabled("transfer")) return;
    const w = sel();
    const kind = el("select", {id: "transfer-kind"}, [
      el("option", {value: "service", text: t("caller.transfer_to_item")}),
      el("option", {value: "window", text: t("caller.transfer_to_window")}),
    ]);
    const svc = el("select", {id: "transfer-service"});
    Object.values(st.services).sort(function (a, b) { return a.prefix.localeCompare(b.prefix) || a.id - b.id; })
      .forEach(function (s) {
        svc.appendChild(el("option", {value: String(s.id), text: s.prefix + " · " + named(s) + " (" + named(s.department) + ")"}));
      });
    const win = el("select", {id: "transfer-window", hidden: "hidden"});
    Object.values(st.windows).sort(function (a, b) { return a.number - b.number; }).forEach(function (x) {
      if (x.id !== w.id) win.appendChild(el("option", {value: String(x.id), text: t("common.window_n", {n: x.number}) + " " + named(x)}));
    });
    const note = el("textarea", {id: "transfer-note", rows: "2", maxlength: "500", placeholder: t("caller.transfer_note")});
    kind.addEventListener("change", function () {
      svc.hidden = kind.value !== "service"; win.hidden = kind.value !== "window";
    });
    const body = el("div", {class: "qc-form"}, [
      el("label", {}, [t("caller.transfer_kind"), kind]), svc, win, el("label", {}, [t("caller.transfer_note"), note]),
      el("p", {class: "qc-muted", text: t("caller.transfer_first_ask")}),
    ]);
    openDialog(t("caller.transfer_title", {number: st.current.number}), body, async function () {
      const payload = kind.value === "service" ? {service_id: Number(svc.value)} : {window_id: Number(win.value)};
      if (note.value.trim()) payload.note = note.value.trim();
      return !!(await ticketAction("transfer", payload, "caller.transferred"));
    });
  }

  // ---- loading --------------------------------------------------------------------------------------
  let refreshing = null, again = false;
  async function refresh() {
    // coalesce: one refresh at a time, at most one queued behind it
    if (refreshing) { again = true; return refreshing; }
    refreshing = (async function () {
      do {
        again = false;
        await loadSelected();
      } while (again);
    })();
    try { await refreshing; } finally { refreshing = null; }
  }
  let timer = null;
  function refreshSoon() { clearTimeout(timer); timer = setTimeout(refresh, 120); }

  async function loadSelected() {
    const jobs = [loadListed()];
    if (me.supervisor) jobs.push(loadRectifications());
    const id = st.sel;
    if (id) {
      jobs.push(api("/windows/" + id).then(function (r) { if (r.ok) st.windows[id] = r.body; }));
      jobs.push(api("/windows/" + id + "/queue").then(function (r) { st.queue = r.ok ? r.body.items : []; }));
    }
    await Promise.all(jobs);
    const w = sel();
    const curId = w && w.current ? w.current.id : null;
    if (curId) {
      const rs = await Promise.all([api("/tickets/" + curId), api("/tickets/" + curId + "/events")]);
      st.current = rs[0].ok ? rs[0].body : null;
      st.events = rs[1].ok ? rs[1].body.items : [];
      if (st.current && ["called", "serving"].indexOf(st.current.state) < 0) st.current = null;
    } else {
      st.current = null; st.events = [];
    }
    render();
  }
  async function loadListed() {
    const r = await api("/caller/tickets");
    st.listed = r.ok ? r.body.items : [];
  }
  let rects = [];
  async function loadRectifications() {
    const r = await api("/rectifications");
    rects = r.ok ? r.body.items : [];
  }

  // ---- rendering ------------------------------------------------------------------------------------
  function stateText(w) {
    if (!w) return "";
    let s = t("caller.state_" + w.state);
    if (w.state === "paused" && w.pause_reason) s += " · " + t("caller.pause_" + w.pause_reason);
    return s;
  }

  function renderChooser() {
    const s = $("window-select"), list = allowedWindows();
    const want = list.map(function (w) { return w.id + ":" + w.state + ":" + (w.staff ? w.staff.id : ""); }).join(",");
    if (s.dataset.sig !== want) {
      s.dataset.sig = want; s.textContent = "";
      s.appendChild(el("option", {value: "", text: t("caller.choose_window")}));
      list.forEach(function (w) {
        const o = el("option", {value: String(w.id), text: t("common.window_n", {n: w.number}) + " " + named(w) + " · " + stateText(w)});
        s.appendChild(o);
      });
    }
    s.value = st.sel ? String(st.sel) : "";
  }

  function renderWindow() {
    const w = sel();
    $("desk").hidden = $("side").hidden = !w;
    const nw = $("no-window");
    if (!w) {
      nw.hidden = false;
      nw.textContent = st.notAssigned ? t("caller.not_assigned") : (allowedWindows().length ? t("caller.choose_window") : t("caller.no_windows"));
      nw.dataset.kind = st.notAssigned ? "error" : "info";
      nw.id = "no-window";
      return;
    }
    nw.hidden = true;
    $("win-number").textContent = t("common.window_n", {n: w.number});
    $("win-name").textContent = named(w);
    const ws = $("window-state");
    ws.textContent = stateText(w); ws.dataset.state = w.state;
    let owner = "";
    if (w.state === "closed") owner = t("caller.closed_hint");
    else if (isMine(w)) owner = t("caller.owner_me");
    else if (w.staff) owner = t("caller.owner_other", {name: w.staff.name});
    $("win-owner").textContent = owner;
    const ob = document.querySelector("[data-act=open]");
    const over = heldByOther(w) && me.supervisor;
    ob.textContent = t(over ? "caller.take_over" : "caller.open");
    ob.title = over ? t("caller.take_over_hint") : "";
  }

  function renderCurrent() {
    const c = st.current;
    $("cur-empty").hidden = !!c; $("cur-body").hidden = !c;
    if (!c) return;
    $("cur-number").textContent = c.number;
    const cs = $("cur-state"); cs.textContent = t("caller.tstate_" + c.state); cs.dataset.state = c.state;
    $("cur-service").textContent = serviceName(c.service_id);
    const waited = minutes(c.queued_at || c.issued_at, c.called_at);
    const total = minutes(c.issued_at, c.called_at);
    $("cur-waited").textContent = total === waited ? t("common.minutes", {n: waited}) :
      t("caller.waited_total", {n: waited, total: total});
    $("cur-elapsed").textContent = c.started_at ? clock(c.started_at) : (c.called_at ? t("caller.since_call", {t: clock(c.called_at)}) : "");
    $("cur-first").textContent = c.first_window_id ? windowLabel(c.first_window_id) : t("caller.first_ask_here");
    $("cur-recalls").textContent = String(c.recall_count || 0);
    const list = $("cur-transfers"); list.textContent = "";
    const transfers = st.events.filter(function (e) { return e.type === "transferred"; });
    $("cur-transfers-box").hidden = transfers.length === 0;
    transfers.forEach(function (e) {
      const d = e.data || {};
      const to = d.to_window_id ? windowLabel(d.to_window_id) : serviceName(d.to_service_id);
      const text = t("caller.transfer_line", {
        time: QH.hallTime(e.at, {hour: "2-digit", minute: "2-digit"}),
        from: windowLabel(d.from_window_id), to: to,
      });
      list.appendChild(el("li", {}, [text, d.note ? el("span", {class: "qc-note", text: "「" + d.note + "」"}) : null]));
    });
  }

  function canPick() {
    const w = sel();
    return (st.allowPick || me.supervisor) && isMine(w) && w.state === "open" && !st.current && !st.dialog;
  }

  function renderQueue() {
    const w = sel(); if (!w) return;
    const pick = canPick(), queue = st.queue;
    syncRows($("queue-list"), queue.map(function (q) {
      const transfer = q.target_window_id === w.id || q.transfer_count > 0;
      return {key: String(q.id), sig: [q.number, serviceName(q.service_id), transfer, q.priority, pick, me.supervisor].join("|"), build: function () {
        const tags = [];
        if (transfer) tags.push(el("span", {class: "qc-tag qc-tag-transfer", text: t("caller.tag_transfer")}));
        if (q.priority !== "normal") tags.push(el("span", {class: "qc-tag qc-tag-" + q.priority, text: t("caller.prio_" + q.priority)}));
        const li = el("li", {"data-ticket": String(q.id), "data-number": q.number}, [
          el("span", {class: "qc-qpos"}),
          el("span", {class: "qc-qnum", text: q.number}),
          el("span", {class: "qc-qsvc", text: serviceName(q.service_id)}),
        ].concat(tags).concat([
          el("span", {class: "qc-qwait"}),
        ]));
        if (pick) li.appendChild(el("button", {class: "qc-btn qc-small", "data-pick": String(q.id), text: t("caller.call_this"),
          onclick: function () { if (canPick()) run(function () { return pickCall(q); }); }}));
        if (me.supervisor) li.appendChild(el("button", {class: "qc-btn qc-small qc-danger-outline", "data-cancel": String(q.id),
          text: t("caller.cancel_ticket"), onclick: function () {
            run(async function () { if (await post("/tickets/" + q.id + "/cancel", {}, t("caller.cancelled", {number: q.number}))) await refresh(); });
          }}));
        return li;
      }};
    }), function () {
      $("queue-empty").hidden = queue.length > 0;
      // place and wait change on their own: updated in the kept rows, once they are laid out
      Array.prototype.forEach.call($("queue-list").children, function (li, i) {
        li.querySelector(".qc-qpos").textContent = String(i + 1);
        li.querySelector(".qc-qwait").textContent = t("common.minutes", {n: minutes(queue[i].issued_at)});
      });
      holdButtons();
    });
    $("count-window").textContent = String(st.queue.length);
    let items = 0, hall = 0;
    for (const sid in st.waiting) {
      hall += st.waiting[sid];
      if (w.service_ids.indexOf(Number(sid)) >= 0) items += st.waiting[sid];
    }
    $("count-items").textContent = String(items);
    $("count-hall").textContent = String(hall);
  }

  function renderListed() {
    const listed = st.listed;
    syncRows($("listed-list"), listed.map(function (x) {
      const action = x.state === "parked" ? "resume" : (me.supervisor ? "reactivate" : null);
      return {key: String(x.id), sig: [x.number, serviceName(x.service_id), x.state, action].join("|"), build: function () {
        const li = el("li", {"data-ticket": String(x.id), "data-number": x.number}, [
          el("span", {class: "qc-qnum", text: x.number}),
          el("span", {class: "qc-qsvc", text: serviceName(x.service_id)}),
          el("span", {class: "qc-tag", text: t("caller.tstate_" + x.state)}),
        ]);
        if (action) li.appendChild(el("button", {class: "qc-btn qc-small", "data-requeue": String(x.id), text: t("caller.requeue"),
          onclick: function () {
            run(async function () { if (await post("/tickets/" + x.id + "/" + action, {}, t("caller.requeued", {number: x.number}))) await refresh(); });
          }}));
        return li;
      }};
    }), function () { $("listed-empty").hidden = listed.length > 0; holdButtons(); });
  }

  function renderSupervisor() {
    if (!me.supervisor) return;
    $("supervisor").hidden = false;
    $("allow-pick").checked = st.allowPick;
    syncRows($("sup-windows"), Object.values(st.windows).sort(function (a, b) { return a.number - b.number; }).map(function (w) {
      const id = w.id;
      const sig = [w.number, named(w), stateText(w), w.staff ? w.staff.id + ":" + w.staff.name : "",
        w.current ? w.current.number + ":" + w.current.state : "", isMine(w)].join("|");
      return {key: String(id), sig: sig, build: function () {
        // a kept row's buttons act on the window as it is when clicked
        const takeBtn = el("button", {class: "qc-btn qc-small", "data-takeover": String(id), text: t("caller.take_over"),
          onclick: function () {
            run(async function () {
              const out = await takeOver(st.windows[id]);
              if (out) choose(out.id);
            });
          }});
        const close = el("button", {class: "qc-btn qc-small qc-danger-outline", "data-closewin": String(id), text: t("caller.close"),
          onclick: function () {
            run(async function () { const out = await post("/windows/" + id + "/close", {}); if (out) { st.windows[out.id] = out; await refresh(); } });
          }});
        // data-off: what the window's state disables; holdButtons() adds "busy" on top
        if (w.state === "closed") close.dataset.off = "1";
        if (isMine(w)) takeBtn.dataset.off = "1";
        return el("tr", {"data-window": String(id)}, [
          el("td", {text: t("common.window_n", {n: w.number}) + " " + named(w)}),
          el("td", {}, [el("span", {class: "qc-state", "data-state": w.state, text: stateText(w)})]),
          el("td", {text: w.staff ? w.staff.name : "—"}),
          el("td", {text: w.current ? w.current.number + " · " + t("caller.tstate_" + w.current.state) : "—"}),
          el("td", {class: "qc-row"}, [takeBtn, close]),
        ]);
      }};
    }), holdButtons);
    const rl = $("rect-list"); rl.textContent = "";
    $("rect-empty").hidden = rects.length > 0;
    rects.forEach(function (r) {
      rl.appendChild(el("li", {"data-evaluation": String(r.id)}, [
        el("span", {class: "qc-qnum", text: r.number}),
        el("span", {class: "qc-tag qc-tag-bad", text: t("caller.level_" + r.level)}),
        el("span", {class: "qc-qsvc", text: (r.window_number ? t("common.window_n", {n: r.window_number}) + " " : "") + (r.staff_name || "") + " · " + (r.reason || "")}),
        el("span", {class: "qc-tag", text: t("caller.rect_" + r.rectification)}),
      ]));
    });
  }

  // one action at a time (run): while one runs, the lists' buttons show they wait for it,
  // instead of taking a click that run() would drop without a word
  function holdButtons() {
    document.querySelectorAll("#queue-list button, #listed-list button, #sup-windows button")
      .forEach(function (b) { b.disabled = st.busy || b.dataset.off === "1"; });
  }

  function render() {
    renderChooser(); renderWindow(); renderCurrent(); renderQueue(); renderListed(); renderSupervisor();
    document.querySelectorAll("[data-act]").forEach(function (b) {
      const act = b.getAttribute("data-act");
      b.disabled = !enabled(act);
      if (b.classList.contains("qc-sup")) b.hidden = !me.supervisor;
    });
    holdButtons();  // (again: a list held back by a press keeps its rows, and their buttons)
    document.body.dataset.busy = st.busy ? "1" : "0";
  }

  // ---- choosing a window -----------------------------------------------------------------------------
  function choose(id) {
    st.notAssigned = false;
    if (id && !allowedWindows().some(function (w) { return w.id === id; })) {
      st.notAssigned = true; id = null;
    }
    st.sel = id; st.current = null; st.queue = []; st.events = [];
    if (id) sessionStorage.setItem("qc.window." + me.id, String(id));
    const u = new URL(window.location.href);
    if (id) u.searchParams.set("window", String(id)); else u.searchParams.delete("window");
    history.replaceState(null, "", u.toString());
    render();
    return refresh();
  }
  $("window-select").addEventListener("change", function () { choose(Number(this.value) || null); });

  // ---- keyboard ----------------------------------------------------------------------------------------
  const KEYS = {"F1": "call-next", " ": "call-next", "F2": "finish-next", "r": "recall", "s": "start", "f": "finish",
                "p": "park", "x": "refuse", "a": "accept", "n": "no-show", "t": "transfer", "z": "pause", "u": "resume-window"};
  document.addEventListener("keydown", function (ev) {
    if (st.dialog) {
      if (ev.key === "Escape") { ev.preventDefault(); closeDialog(); return; }
      const tag = ev.target && ev.target.tagName;
      if (ev.key === "Enter" && tag !== "TEXTAREA" && ev.target.id !== "dlg-cancel") { ev.preventDefault(); confirmDialog(); return; }
      if (/^[1-4]$/.test(ev.key) && tag !== "TEXTAREA" && tag !== "INPUT") {
        const b = $("dlg-body").querySelectorAll(".qc-choice")[Number(ev.key) - 1];
        if (b) { ev.preventDefault(); b.click(); }
      }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tag = ev.target && ev.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    const act = KEYS[ev.key.length === 1 ? ev.key.toLowerCase() : ev.key];
    if (!act) return;
    ev.preventDefault();           // F1 help, Space scroll
    if (ev.repeat) return;         // a held key is one press
    if (!enabled(act)) return;     // also blocks a second press while a request runs
    ACTIONS[act]();
  });
  document.querySelectorAll("[data-act]").forEach(function (b) {
    b.addEventListener("click", function () {
      const act = b.getAttribute("data-act");
      if (enabled(act)) ACTIONS[act]();
    });
  });

  // ---- chrome ------------------------------------------------------------------------------------------
  $("me-name").textContent = me.name;
  $("me-role").textContent = t("caller.role_" + me.role);
  document.querySelectorAll("[data-lang]").forEach(function (a) {
    a.addEventListener("click", function (ev) { ev.preventDefault(); QH.setLocale(a.getAttribute("data-lang")); });
  });
  $("signout").addEventListener("click", async function () {
    await QH.api("/auth/logout", {method: "POST", body: {}});
    sessionStorage.removeItem("qc.window." + me.id);
    window.location.reload();
  });
  $("allow-pick").addEventListener("change", function () {
    const want = this.checked;
    run(async function () {
      const r = await api("/caller/settings", {method: "PUT", body: {allow_pick_call: want}});
      if (r.ok) st.allowPick = r.body.allow_pick_call; else say(errText(r), "error");
    });
  });
  setInterval(function () { if (st.current) renderCurrent(); }, 1000);
  setInterval(function () { if (st.sel) renderQueue(); }, 30000);

  // ---- start -------------------------------------------------------------------------------------------
  QH.translatePage();
  (async function init() {
    const rs = await Promise.all([QH.api("/windows"), QH.api("/services"), QH.api("/caller/settings")]);
    if (rs[0].status === 401) { window.location.reload(); return; }
    (rs[0].ok ? rs[0].body.items : []).forEach(function (w) { st.windows[w.id] = w; });
    (rs[1].ok ? rs[1].body.items : []).forEach(function (s) { st.services[s.id] = s; st.waiting[s.id] = s.waiting || 0; });
    st.allowPick = !!(rs[2].ok && rs[2].body.allow_pick_call);
    const fromUrl = Number(new URL(window.location.href).searchParams.get("window")) || null;
    const saved = Number(sessionStorage.getItem("qc.window." + me.id)) || null;
    const mine = allowedWindows();
    let first = fromUrl || saved;
    if (!first && !me.supervisor && mine.length === 1) first = mine[0].id;
    if (!first) {
      const open = mine.filter(isMine)[0];
      if (open) first = open.id;
    }
    await choose(first);

    QH.realtime({
      status: function (on) { const c = $("conn"); c.dataset.online = on ? "1" : "0"; c.textContent = on ? t("common.online") : t("common.offline"); },
      snapshot: function (snap) {
        (snap.windows || []).forEach(function (w) { st.windows[w.id] = w; });
        st.waiting = snap.waiting || st.waiting;
        refreshSoon();
      },
      event: function (name, p) {
        if (name === "window.changed" && p.window) {
          const prev = st.windows[p.window.id];
          st.windows[p.window.id] = p.window;
          if (!st.busy && p.window.id === st.sel && isMine(prev) && !isMine(p.window)) {
            // someone else ended our hold: a supervisor took over, or an admin released the window
            const other = heldByOther(p.window) ? p.window.staff.name : null;
            say(other ? t("caller.lost_takeover", {name: other}) : t("caller.lost_released"), "error");
          }
          if (p.window.id === st.sel || !prev) refreshSoon(); else render();
        } else if (name === "queue.changed") {
          st.waiting = p.waiting || st.waiting; refreshSoon();
        } else if (name === "ticket.updated" || name === "ticket.called") {
          if (name === "ticket.called" && p.waiting) st.waiting = p.waiting;  // a call carries the counts
          refreshSoon();
        } else if (name === "evaluation.created" && me.supervisor) {
          refreshSoon();
        }
      },
    }, function (cb) {
      // the page is signed in by cookie; the socket needs a bearer token: fetch a short-lived one per (re)connect
      api("/caller/realtime-token", {method: "POST", body: {}}).then(function (r) {
        cb({token: r.ok ? r.body.access_token : ""});
      });
    });
  })();

  window.QHCaller = {state: st};
})();
