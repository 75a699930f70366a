/* Counter evaluator (好差评): shows the clerk; after a finished visit invites one rating on five equal levels. */
(function () {
  "use strict";
  const cfg = window.QH_CONFIG || {};
  const t = QH.t, el = QH.el;
  const $ = function (id) { return document.getElementById(id); };
  const WID = cfg.window_id;
  const EN = cfg.locale === "en";  // names and reason chips in English where the hall has them
  const RATABLE = ["done", "parked"];
  const st = {window: null, ticket: null, level: null, reason: null, rated: {}, busy: false, deadline: 0, reasons: []};

  function show(which) {
    ["card", "rate", "thanks"].forEach(function (id) { $(id).hidden = id !== which; });
    document.body.dataset.view = which;
  }

  function renderCard() {
    const w = st.window;
    $("card-window").textContent = w ? t("common.window_n", {n: w.number}) + " " + ((EN && w.name_en) || w.name) : "";
    const staff = w && w.state !== "closed" ? w.staff : null;
    const photo = $("card-photo"); photo.textContent = "";
    if (staff && staff.photo) photo.appendChild(el("img", {src: staff.photo, alt: ""}));
    else photo.appendChild(el("span", {class: "qe-initial", text: staff ? staff.name.slice(0, 1) : "—"}));
    $("card-name").textContent = staff ? staff.name : t("evaluator.no_clerk");
    $("card-badge").textContent = staff && staff.badge ? t("evaluator.badge") + " " + staff.badge : "";
    const closed = $("card-closed");
    closed.hidden = !!(w && w.state === "open");
    closed.textContent = t("evaluator.window_closed");
  }

  // ---- rating ------------------------------------------------------------------------------------
  function invite(ticket) {
    if (st.rated[ticket.id]) return;
    st.ticket = ticket; st.level = null; st.reason = null;
    $("rate-ticket").textContent = t("evaluator.ticket", {number: ticket.number});
    $("reason-text").value = "";
    $("rate-error").hidden = true;
    renderRate();
    show("rate");
    restartTimer();
  }

  function renderRate() {
    const box = $("levels"); box.textContent = "";
    // 5 .. 1 in one row, same size and colour: nothing steers the choice
    [5, 4, 3, 2, 1].forEach(function (lv) {
      const b = el("button", {class: "qe-level", type: "button", role: "radio", "data-level": String(lv),
        "aria-checked": st.level === lv ? "true" : "false", text: t("caller.level_" + lv)});
      b.addEventListener("click", function () { st.level = lv; st.reason = null; restartTimer(); renderRate(); });
      box.appendChild(b);
    });
    const needReason = st.level !== null && st.level <= 2;
    $("reasons-box").hidden = !needReason;
    const chips = $("reasons"); chips.textContent = "";
    st.reasons.forEach(function (r) {
      // the chip in the page's language; the reason kept with the rating is the hall's Chinese text
      const c = el("button", {class: "qe-chip", type: "button", "data-reason": r.text, "aria-pressed": st.reason === r.text ? "true" : "false",
                              text: (EN && r.text_en) || r.text});
      c.addEventListener("click", function () { st.reason = st.reason === r.text ? null : r.text; restartTimer(); renderRate(); });
      chips.appendChild(c);
    });
    $("submit").disabled = st.busy || st.level === null;
  }

  function reasonText() {
    const parts = [];
    if (st.reason) parts.push(st.reason);
    const free = $("reason-text").value.trim();
    if (free) parts.push(free);
    return parts.join("；");
  }

  async function submit() {
    if (st.busy || !st.ticket || st.level === null) return;
    const reason = reasonText();
    if (st.level <= 2 && !reason) { error(t("evaluator.reason_needed")); return; }
    st.busy = true; renderRate();
    const body = {level: st.level};
    if (reason) body.reason = reason;
    const res = await QH.api("/tickets/" + st.ticket.id + "/evaluation", {method: "POST", body: body});
    st.busy = false;
    if (res.ok) { st.rated[st.ticket.id] = true; thanks(t("evaluator.thanks")); return; }
    const code = res.body && res.body.error && res.body.error.code;
    if (code === "already_evaluated") { st.rated[st.ticket.id] = true; thanks(t("evaluator.already")); return; }
    // too late, or a later visit has ended here: this visitor's chance to rate has passed
    if (code === "evaluation_closed") { st.rated[st.ticket.id] = true; thanks(t("evaluator.closed")); return; }
    if (res.status === 422) { error(t("evaluator.reason_needed")); renderRate(); return; }
    error(t("evaluator.failed") + (res.body && res.body.error ? "（" + QH.errorText(res) + "）" : ""));
    renderRate();
  }
  function error(text) { const e = $("rate-error"); e.textContent = text; e.hidden = false; }

  function thanks(text) {
    st.ticket = null;
    $("thanks-text").textContent = text;
    show("thanks");
    clearInterval(st.timer);
    setTimeout(function () { if (!st.ticket) back(); }, 3000);
  }
  function back() { st.ticket = null; clearInterval(st.timer); renderCard(); show("card"); }

  function restartTimer() {
    $("rate-error").hidden = true;  // any new touch answers the last message
    st.deadline = Date.now() + (cfg.timeout || 60) * 1000;
    clearInterval(st.timer);
    tick();
    st.timer = setInterval(tick, 500);
  }
  function tick() {
    const left = Math.max(0, Math.ceil((st.deadline - Date.now()) / 1000));
    $("countdown").textContent = t("evaluator.countdown", {n: left});
    if (left <= 0 && !st.busy) back();
  }

  $("submit").addEventListener("click", submit);
  $("skip").addEventListener("click", back);
  $("reason-text").addEventListener("input", restartTimer);

  // ---- live ----------------------------------------------------------------------------------------
  QH.translatePage();
  renderCard(); show("card");
  QH.api("/evaluation-reasons").then(function (r) { if (r.ok) st.reasons = r.body.items; });
  QH.realtime({
    status: function (on) { const c = $("conn"); c.dataset.online = on ? "1" : "0"; c.textContent = on ? "" : t("common.offline"); },
    snapshot: function (snap) {
      const w = (snap.windows || []).filter(function (x) { return x.id === WID; })[0];
      if (w) { st.window = w; if (!st.ticket) renderCard(); }
    },
    event: function (name, p) {
      if (name === "window.changed" && p.window && p.window.id === WID) {
        st.window = p.window; if (!st.ticket) renderCard();
      } else if (name === "ticket.updated" && p.ticket && p.ticket.window_id === WID &&
                 RATABLE.indexOf(p.ticket.state) >= 0 && p.ticket.finished_at) {
        invite(p.ticket);
      }
    },
  });
  window.QHEval = {invite: invite, state: st};
})();
