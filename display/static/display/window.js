/* The screen above one window: number, name, clerk (亮证上岗), state, the number served, its items. */
(function () {
  "use strict";
  const number = Number(QD.page.number);
  const state = {win: null, loaded: false, services: {}, publicity: []};
  const book = QD.CallBook();
  const $ = QD.$;
  const HELD = ["called", "serving"];

  function renderHead() {
    const w = state.win;
    $("win-number").textContent = QH.t("common.window_n", {n: number});
    if (!state.loaded) return;
    $("win-name").textContent = w ? QD.name(w)
                                  : QH.t("display.window_unknown", {n: number});
    const st = $("win-state");
    const s = w ? w.state : "closed";
    st.textContent = QH.t("display.state_" + s);
    st.className = "win-state state-" + s;
    document.body.dataset.state = s;
  }

  function renderStaff() {
    const staff = state.win && state.win.staff;
    const img = $("staff-photo");
    const avatar = $("staff-avatar");
    if (staff && staff.photo) {
      img.src = staff.photo; img.alt = staff.name; img.hidden = false; avatar.hidden = true;
    } else {
      img.hidden = true; img.removeAttribute("src"); avatar.hidden = false;
    }
    $("staff-name").textContent = staff ? staff.name : QH.t("display.no_staff");
    $("staff-badge").textContent = staff && staff.badge ? QH.t("display.badge", {badge: staff.badge}) : "";
  }

  function renderServing(flash) {
    const w = state.win;
    const s = w ? w.state : "closed";
    const reason = $("pause-reason");
    const label = $("serving-label");
    const num = $("serving-number");
    const box = $("serving");
    box.className = "win-serving serving-" + s;
    if (s === "paused") {
      label.textContent = QH.t("display.state_paused");
      num.textContent = "";
      reason.hidden = false;
      reason.textContent = QH.t("display.pause_reason",
        {reason: QH.t("display.pause_" + (w.pause_reason || "away"))});
    } else if (s === "closed") {
      label.textContent = QH.t("display.state_closed");
      num.textContent = "";
      reason.hidden = false;
      reason.textContent = QH.t("display.closed_note");
    } else {
      const cur = w.current;
      label.textContent = QH.t("display.now_serving");
      // nobody called yet: words, not a dash that reads as 一
      num.textContent = cur ? cur.number : "";
      reason.hidden = false;
      reason.textContent = cur ? QH.t("display.called", {number: cur.number}) : QH.t("display.no_call_yet");
      if (cur) document.body.dataset.current = cur.number;
    }
    if (flash) QD.flash(box);
  }

  function renderItems() {
    const list = $("items");
    list.textContent = "";
    ((state.win && state.win.service_ids) || []).forEach(function (id) {
      const s = state.services[id];
      if (s) list.appendChild(QH.el("li", {"class": "item", text: QD.name(s)}));
    });
  }

  function renderMarquee() {
    const w = state.win;
    let text = w && w.marquee ? w.marquee : "";
    if (!text) text = state.publicity.length ? QD.tickerText(state.publicity) : QH.t("display.default_marquee");
    QD.ticker($("ticker-text"), text);
  }

  function render(flash) {
    renderHead();
    if (!state.loaded) return; renderStaff(); renderServing(flash); renderItems(); renderMarquee();
  }

  function onSnapshot(snap) {
    QD.noteSnapshot(snap);
    const missed = book.fromSnapshot((snap.calls || []).filter(function (c) { return c.window.number === number; }));
    state.loaded = true;
    state.win = (snap.windows || []).find(function (w) { return w.number === number; }) || null;
    render(missed.length > 0);
    missed.forEach(QD.logShown);
  }

  function onEvent(name, p) {
    if (name === "window.changed" && p.window && p.window.number === number) {
      state.win = p.window;
      render(false);
    } else if (name === "ticket.called" && p.window.number === number && state.win) {
      if (!book.add(p)) return;
      state.win.current = {id: p.ticket.id, number: p.ticket.number, service_id: p.ticket.service_id, state: "called"};
      renderServing(true);
      QD.logShown(p);
    } else if (name === "ticket.updated" && state.win && p.ticket) {
      const t = p.ticket;
      const cur = state.win.current;
      if (t.window_id === state.win.id && HELD.indexOf(t.state) >= 0) {
        state.win.current = {id: t.id, number: t.number, service_id: t.service_id, state: t.state};
        renderServing(false);
      } else if (cur && cur.id === t.id && HELD.indexOf(t.state) < 0) {
        state.win.current = null;
        renderServing(false);
      }
    } else if (name === "catalog.changed") {
      loadContent();
      if (window.QD_rt) window.QD_rt.resync();
    }
  }

  async function loadContent() {
    const [services, publicity] = await Promise.all([QD.loadServices(), QD.loadPublicity()]);
    state.services = services;
    state.publicity = publicity;
    renderItems();
    renderMarquee();
  }

  QH.translatePage();
  render(false);
  loadContent();
  window.QD_rt = QH.realtime({snapshot: onSnapshot, event: onEvent, status: QD.statusBanner});
})();
