/* The case lookup: case number + last four digits of the phone -> the case's public progress. */
(function () {
  "use strict";
  const t = QH.t;
  const $ = function (id) { return document.getElementById(id); };

  function render(c) {
    const box = $("cs-result");
    box.textContent = "";
    const steps = c.steps.map(function (st, i) {
      return QH.el("li", {"class": i === c.steps.length - 1 ? "current" : ""}, [
        QH.el("span", {"class": "cs-date"}, [st.date_text]), QH.el("span", {"class": "cs-text"}, [st.text])]);
    });
    const parts = [
      QH.el("div", {"class": "cs-head"}, [QH.el("span", {"class": "cs-label"}, [t("cases.number")]),
                                           QH.el("span", {"class": "cs-number"}, [c.number])]),
      QH.el("div", {"class": "cs-item"}, [c.service]),
      QH.el("div", {"class": "cs-state", "data-testid": "case-state"}, [c.state_text]),
      QH.el("div", {"class": "cs-due", "data-testid": "case-due"}, [c.due_text]),
    ];
    if (c.overdue) parts.push(QH.el("div", {"class": "cs-overdue"}, [t("cases.overdue")]));
    if (c.state === "awaiting_materials" && c.materials.length) {
      parts.push(QH.el("div", {"class": "cs-materials"}, [
        QH.el("div", {"class": "cs-label"}, [t("cases.bring")]),
        QH.el("ol", {}, c.materials.map(function (m) { return QH.el("li", {}, [m]); }))]));
    }
    parts.push(QH.el("ol", {"class": "cs-steps"}, steps));
    box.appendChild(QH.el("section", {"class": "cs-progress state-" + c.state, "data-testid": "case-progress"}, parts));
  }

  $("cs-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const err = $("cs-error");
    err.hidden = true;
    const res = await QH.api("/public/cases/lookup", {body: {number: $("cs-num").value.trim(),
                                                           phone_last4: $("cs-last4").value.trim()}});
    if (res.ok) { render(res.body); return; }
    $("cs-result").textContent = "";
    err.textContent = res.status === 429 ? t("cases.too_many") : (res.status === 404 ? t("cases.not_found") : QH.errorText(res));
    err.hidden = false;
  });
})();
