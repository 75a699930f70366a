/* The ticket's status page on a phone: live through Socket.IO (auth {ticket}), refreshed as a fallback. */
(function () {
  "use strict";
  const cfg = window.QH_CONFIG || {};
  const t = QH.t;
  const en = cfg.locale === "en";
  const $ = function (id) { return document.getElementById(id); };
  const FINAL = ["done", "no_show", "cancelled", "transferred"];
  let last = cfg.ticket || {};
  let online = false;

  function pick(o, field) { return en && o[field + "_en"] ? o[field + "_en"] : o[field]; }

  function render(p) {
    const wasCalled = last.state === "called" && last.recall_count === p.recall_count;
    document.body.className = "status state-" + p.state;
    $("st-number").textContent = p.number;
    $("st-item").textContent = pick(p.service, "name");
    const outcomeState = p.state === "done" && (p.outcome === "accepted" || p.outcome === "refused");
    $("st-state").textContent = t("status.state." + (outcomeState ? p.outcome : p.state));
    const prio = $("st-prio");
    prio.hidden = p.priority === "normal";
    prio.textContent = p.priority === "normal" ? "" : t("status.priority." + p.priority);
    const called = (p.state === "called" || p.state === "serving") && p.window;
    $("st-call").hidden = !called;
    if (called) {
      $("st-window").textContent = t("status.window_n", {n: p.window.number});
      $("st-window-name").textContent = pick(p.window, "name");
      $("st-recall").hidden = !(p.state === "called" && p.recall_count > 0);
      if (p.state === "called" && !wasCalled && navigator.vibrate) {
        try { navigator.vibrate([400, 150, 400, 150, 400]); } catch (e) { /* not allowed without a gesture */ }
      }
    }
    $("st-figures").hidden = p.state !== "waiting";
    renderNotify(p);
    $("st-ahead").textContent = t("status.ahead_n", {n: p.waiting_ahead});
    $("st-wait").textContent = QHWait.text(p);
    const outcome = $("st-outcome");
    let key = null;
    // a case past review (decided or delivered) says so in its progress: "accepted, not finished" would be stale
    const settled = ["ready", "delivered", "rejected"].indexOf(cfg.caseState) >= 0;
    if (p.state === "done") key = p.outcome === "accepted" && settled ? null : "status.outcome." + (p.outcome || "done");
    else if (["no_show", "cancelled", "parked"].indexOf(p.state) >= 0) key = "status.outcome." + p.state;
    outcome.hidden = !key;
    outcome.textContent = key ? t(key) : "";
    if (window.QHFeedback) window.QHFeedback.render(p);  // rating and complaints (feedback.js)
    // the case's progress and the 一次性告知 are drawn by the server: load them once the visit ends there
    if (last.state && last.state !== p.state && (p.state === "done" || p.state === "parked")) window.location.reload();
    last = p;
    const now0 = QH.hallNow();
    const now = {getHours: function () { return now0.hh; }, getMinutes: function () { return now0.mm; },
                 getSeconds: function () { return now0.ss; }};
    const pad = function (n) { return (n < 10 ? "0" : "") + n; };
    $("st-updated").textContent = t("status.updated", {time: pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds())});
  }

  // ---- 到号前短信提醒我 (issue 19): the phone typed here is sent once and shown masked after -------
  function renderNotify(p) {
    $("st-notify").hidden = p.state !== "waiting";
    const on = !!p.notify;
    $("st-notify").classList.toggle("st-notify-on", on);
    const box = $("st-notify-check");
    if (on) { box.checked = true; box.disabled = true; $("st-notify-form").hidden = true; }
    $("st-notify-state").textContent = on ? t("status.notify.on", {phone: p.notify.phone}) : "";
  }

  $("st-notify-check").addEventListener("change", function (e) {
    $("st-notify-form").hidden = !e.target.checked;
    $("st-notify-err").textContent = "";
    if (e.target.checked) $("st-notify-phone").focus();
  });
  $("st-notify-phone").addEventListener("input", function (e) { e.target.value = e.target.value.replace(/[^0-9]/g, "").slice(0, 11); });
  $("st-notify-send").addEventListener("click", async function () {
    const input = $("st-notify-phone");
    const phone = input.value;
    if (!/^1[0-9]{10}$/.test(phone)) { $("st-notify-err").textContent = t("status.notify.need_phone"); return; }
    const res = await QH.api("/public/tickets/" + encodeURIComponent(cfg.publicId) + "/notify", {body: {phone: phone}});
    input.value = "";  // never left on the screen in full
    if (!res.ok) { $("st-notify-err").textContent = t("status.notify.failed"); return; }
    $("st-notify-err").textContent = "";
    renderNotify(Object.assign({}, last, {notify: {phone: res.body.phone}}));
    last = Object.assign({}, last, {notify: {phone: res.body.phone}});
  });

  let asked = 0, shown = 0;  // a slow poll answered after a newer one must not undo it (a call would flicker back)

  async function refresh() {
    const mine = ++asked;
    const res = await QH.api("/public/tickets/" + encodeURIComponent(cfg.publicId));
    if (!res.ok || mine < shown) return;
    shown = mine;
    render(res.body);
  }

  let polling = false;  // turned away by the server's limits: this page polls, quietly, from now on

  function setOnline(on, why) {
    online = on;
    if (why === "busy") polling = true;
    $("st-live").textContent = t(on ? "status.live" : polling ? "status.polling" : "status.offline");
  }

  $("st-lang").addEventListener("click", function () { QH.setLocale(this.dataset.lang); });
  setOnline(false);
  render(last);
  QH.realtime({
    event: function (name) {
      if (name === "ticket.updated") refresh();
      else if (name === "case.updated") window.location.reload();  // a case step (issue 17)
    },
    status: setOnline,
  }, {ticket: cfg.publicId});
  // people ahead change when others are called (no event reaches this room), so poll too (STATUS_POLL_S)
  const pollMs = Math.max(1, cfg.pollSeconds || 5) * 1000;
  setInterval(function () { if (FINAL.indexOf(last.state) < 0) refresh(); }, pollMs);
  // a finished visit whose case is still on its way: a slower poll as well, so a missed case.updated
  // still brings the delivered case's rating (办件送达后评价) and its progress (redrawn by the server)
  setInterval(async function () {
    const cr = last.case_rating;
    if (FINAL.indexOf(last.state) < 0 || !cr || cr.open || cr.given) return;
    const res = await QH.api("/public/tickets/" + encodeURIComponent(cfg.publicId));
    if (res.ok && res.body.case_rating && res.body.case_rating.open) window.location.reload();
  }, pollMs * 6);
})();
