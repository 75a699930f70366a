/* Staff page: make a one-time code for a priority or green-channel number, see it count down,
   and follow what became of today's codes. The code itself is shown only once, right here. */
(function () {
  "use strict";
  const t = QH.t, el = QH.el;
  const $ = function (id) { return document.getElementById(id); };
  let shown = null, timer = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function showError(res) {
    const box = $("code-error");
    const err = res && res.body && res.body.error;
    const key = err && err.reason ? "codes.err." + err.reason : null;
    box.textContent = key && t(key) !== key ? t(key) : QH.errorText(res);
    box.hidden = false;
  }

  function countdown() {
    if (!shown) return;
    const left = Math.max(0, Math.round((Date.parse(shown.expires_at) - Date.now()) / 1000));
    const box = $("code-box");
    box.classList.toggle("expired", left === 0);
    $("code-left").textContent = left > 0 ? t("codes.expires_in", {mm: pad(Math.floor(left / 60)), ss: pad(left % 60)})
      : t("codes.expired_now");
    if (left === 0) { clearInterval(timer); loadList(); }
  }

  async function make(priority) {
    $("code-error").hidden = true;
    document.querySelectorAll(".qcc-make").forEach(function (b) { b.disabled = true; });
    const res = await QH.api("/confirm-codes", {body: {priority: priority}});
    document.querySelectorAll(".qcc-make").forEach(function (b) { b.disabled = false; });
    if (!res.ok) { showError(res); return; }
    shown = res.body;
    $("code-box").hidden = false;
    $("code-class").textContent = t("codes.for_class", {kind: t("status.priority." + shown.priority)});
    $("code-value").textContent = shown.code;
    clearInterval(timer);
    timer = setInterval(countdown, 1000);
    countdown();
    loadList();
  }

  async function revoke(id) {
    const res = await QH.api("/confirm-codes/" + id + "/revoke", {body: {}});
    if (!res.ok) { showError(res); return; }
    if (shown && shown.id === id) { shown.expires_at = new Date().toISOString(); countdown(); }
    loadList();
  }

  async function loadList() {
    const res = await QH.api("/confirm-codes");
    if (!res.ok) return;
    const rows = $("code-rows");
    rows.textContent = "";
    res.body.items.forEach(function (c) {
      const result = c.ticket_number ? t("codes.used_as", {number: c.ticket_number, kiosk: c.kiosk || ""}) : "";
      rows.appendChild(el("tr", {"data-code-id": c.id, "data-state": c.state}, [
        el("td", {text: QH.hallTime(c.created_at, {hour: "2-digit", minute: "2-digit", second: "2-digit"})}),
        el("td", {text: t("status.priority." + c.priority)}),
        el("td", {class: "qcc-state-" + c.state, text: t("codes.state." + c.state)}),
        el("td", {text: result}),
        el("td", {}, [c.state === "active" ? el("button", {class: "qc-btn qc-small", text: t("codes.revoke"),
          onclick: function () { revoke(c.id); }}) : null]),
      ]));
    });
    $("code-empty").hidden = res.body.items.length > 0;
  }

  document.querySelectorAll(".qcc-make").forEach(function (b) {
    b.addEventListener("click", function () { make(b.dataset.priority); });
  });
  loadList();
  setInterval(loadList, 10000);  // a code used at a kiosk shows up here within seconds
})();
