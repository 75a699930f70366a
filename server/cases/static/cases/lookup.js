/* The case lookup: case number + last four digits of the phone -> the case's public progress, in the
 * page's language, and once the case is delivered its rating (办件送达后评价), posted with the ticket's
 * public id the lookup answer carries while the case can be rated. */
(function () {
  "use strict";
  const t = QH.t;
  const en = (window.QH_CONFIG || {}).locale === "en";
  const $ = function (id) { return document.getElementById(id); };
  /** A progress text in the page's language (the answer carries each with its English twin). */
  const loc = function (o, k) { return (en && o[k + "_en"]) || o[k]; };

  function rater(c) {
    const r = c.rating || {};
    const done = QH.el("div", {"class": "cs-rated", "data-testid": "lookup-rated"}, []);
    const showGiven = function (lv) {
      done.textContent = t("status.case_rate.given", {level: t("status.level." + lv)});
      done.hidden = false;
    };
    done.hidden = true;
    if (r.given) showGiven(r.given.level);
    if (!r.open || !r.ticket) return [done];
    let level = null;
    const chosen = [];
    const err = QH.el("div", {"class": "cs-error", "role": "alert", "data-testid": "lookup-rate-err"}, []);
    err.hidden = true;
    const say = function (text) { err.textContent = text; err.hidden = !text; };
    const text = QH.el("textarea", {"maxlength": "400", "rows": "3", "placeholder": t("status.rate.text_hint"),
                                     "data-testid": "lookup-rate-text"}, []);
    const en = (window.QH_CONFIG || {}).locale === "en" ? (r.reasons_en || []) : [];
    const chips = (r.reasons || []).map(function (reason, i) {
      // shown in the page's language, sent as the hall's own (Chinese) text
      const b = QH.el("button", {"type": "button", "class": "cs-chip", "aria-pressed": "false"}, [en[i] || reason]);
      b.addEventListener("click", function () {
        const i = chosen.indexOf(reason);
        if (i >= 0) chosen.splice(i, 1); else chosen.push(reason);
        b.setAttribute("aria-pressed", i >= 0 ? "false" : "true");
        say("");
      });
      return b;
    });
    const why = QH.el("div", {"class": "cs-why"}, [
      QH.el("div", {"class": "cs-label"}, [t("status.rate.why")]),
      QH.el("div", {"class": "cs-chips"}, chips), text]);
    why.hidden = true;
    const levels = [5, 4, 3, 2, 1].map(function (n) {
      const b = QH.el("button", {"type": "button", "class": "cs-level lv" + n, "aria-pressed": "false",
                                 "data-testid": "lookup-level-" + n}, [t("status.level." + n)]);
      b.addEventListener("click", function () {
        level = n;
        levels.forEach(function (x) { x.setAttribute("aria-pressed", String(x === b)); });
        why.hidden = n > 2;
        say("");
      });
      return b;
    });
    const send = QH.el("button", {"type": "button", "class": "cs-send", "data-testid": "lookup-rate-send"},
                       [t("status.rate.send")]);
    const box = QH.el("section", {"class": "cs-rate", "data-testid": "lookup-rate"}, [
      QH.el("h2", {"class": "cs-rate-title"}, [t("status.case_rate.title")]),
      QH.el("div", {"class": "cs-levels"}, levels), why, err, send]);
    send.addEventListener("click", async function () {
      if (!level) { say(t("status.rate.pick")); return; }
      const words = text.value.trim();
      const reason = chosen.concat(words ? [words] : []).join("；");
      if (level <= 2 && !reason) { say(t("status.rate.reason_needed")); return; }
      send.disabled = true;
      const res = await QH.api("/public/tickets/" + encodeURIComponent(r.ticket) + "/evaluation",
                               {method: "POST", body: {level: level, reason: reason || null, subject: "case"}});
      send.disabled = false;
      if (!res.ok) { say(QH.errorText(res)); return; }
      box.hidden = true;
      showGiven(level);
    });
    text.addEventListener("input", function () { say(""); });
    return [box, done];
  }

  function render(c) {
    const box = $("cs-result");
    box.textContent = "";
    const steps = c.steps.map(function (st, i) {
      return QH.el("li", {"class": i === c.steps.length - 1 ? "current" : ""}, [
        QH.el("span", {"class": "cs-date"}, [loc(st, "date_text")]), QH.el("span", {"class": "cs-text"}, [loc(st, "text")])]);
    });
    const parts = [
      QH.el("div", {"class": "cs-head"}, [QH.el("span", {"class": "cs-label"}, [t("cases.number")]),
                                           QH.el("span", {"class": "cs-number"}, [c.number])]),
      QH.el("div", {"class": "cs-item"}, [loc(c, "service")]),
      QH.el("div", {"class": "cs-state", "data-testid": "case-state"}, [loc(c, "state_text")]),
      QH.el("div", {"class": "cs-due", "data-testid": "case-due"}, [loc(c, "due_text")]),
    ];
    if (c.overdue) parts.push(QH.el("div", {"class": "cs-overdue"}, [t("cases.overdue")]));
    if (c.state === "awaiting_materials" && c.materials.length) {
      parts.push(QH.el("div", {"class": "cs-materials"}, [
        QH.el("div", {"class": "cs-label"}, [t("cases.bring")]),
        QH.el("ol", {}, c.materials.map(function (m) { return QH.el("li", {}, [m]); }))]));
    }
    parts.push(QH.el("ol", {"class": "cs-steps", "data-testid": "case-steps"}, steps));
    box.appendChild(QH.el("section", {"class": "cs-progress state-" + c.state, "data-testid": "case-progress"}, parts));
    rater(c).forEach(function (node) { box.appendChild(node); });
  }

  $("cs-lang").addEventListener("click", function () { QH.setLocale(this.dataset.lang); });
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
