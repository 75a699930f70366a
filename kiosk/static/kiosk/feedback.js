/* Ratings and complaints on the visitor's phone: the ticket's page (/t/<id>) and the feedback page (/feedback).
 * Rating: five levels; the two lowest need a reason (chips and/or text). One rating per visit, and one
 * per case once it is delivered (办件送达后评价). */
(function () {
  "use strict";
  const cfg = window.QH_CONFIG || {};
  const t = QH.t;
  const $ = function (id) { return document.getElementById(id); };
  let level = null;
  let chosen = [];
  let ticket = cfg.ticket || null;

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ---- rating ------------------------------------------------------------------------------------
  /** One rating form of the page: the visit's (prefix "st", field "rating") or its delivered case's
      (prefix "sc", field "case_rating", sent with subject "case"). */
  function Rater(p, field, subject, givenKey) {
    let level = null;
    const chosen = [];
    const box = $(p + "-rate");

    function render(r) {
      if (!box) return;
      r = r || {};
      box.hidden = !r.open;
      $(p + "-rated").hidden = !r.given;
      if (r.given) $(p + "-rated").textContent = t(givenKey, {level: t("status.level." + r.given.level)});
      const reasons = $(p + "-reasons");
      if (r.open && !reasons.dataset.filled) {
        reasons.dataset.filled = "1";
        const en = (window.QH_CONFIG || {}).locale === "en" ? (r.reasons_en || []) : [];
        (r.reasons || []).forEach(function (text, i) {
          // the chip in the page's language; the reason sent is the hall's own (Chinese) text
          const b = el("button", {type: "button", class: "st-chip", "aria-pressed": "false"}, en[i] || text);
          b.addEventListener("click", function () {
            const i = chosen.indexOf(text);
            if (i >= 0) chosen.splice(i, 1); else chosen.push(text);
            b.setAttribute("aria-pressed", i >= 0 ? "false" : "true");
            $(p + "-rate-err").textContent = "";  // the reason is being given: the prompt has done its job
          });
          reasons.appendChild(b);
        });
      }
    }

    function pickLevel(n) {
      level = n;
      box.querySelectorAll(".st-level").forEach(function (b) {
        b.setAttribute("aria-pressed", String(Number(b.dataset.level) === n));
      });
      $(p + "-why").hidden = n > 2;
      $(p + "-rate-err").textContent = "";
    }

    async function send() {
      const err = $(p + "-rate-err");
      if (!level) { err.textContent = t("status.rate.pick"); return; }
      const text = $(p + "-rate-text").value.trim();
      const reason = chosen.concat(text ? [text] : []).join("；");
      if (level <= 2 && !reason) { err.textContent = t("status.rate.reason_needed"); return; }
      $(p + "-rate-send").disabled = true;
      const body = {level: level, reason: reason || null};
      if (subject !== "visit") body.subject = subject;
      const res = await QH.api("/public/tickets/" + encodeURIComponent(cfg.publicId) + "/evaluation",
                               {method: "POST", body: body});
      $(p + "-rate-send").disabled = false;
      if (!res.ok) { err.textContent = QH.errorText(res); return; }
      const given = {level: level, label: res.body.label, channel: "phone"};
      const own = Object.assign({}, (ticket || {})[field], {open: false, given: given});
      ticket = Object.assign({}, ticket || {}, {[field]: own});
      render(own);
    }

    if (box) {
      box.querySelectorAll(".st-level").forEach(function (b) {
        b.addEventListener("click", function () { pickLevel(Number(b.dataset.level)); });
      });
      $(p + "-rate-send").addEventListener("click", send);
      $(p + "-rate-text").addEventListener("input", function () { $(p + "-rate-err").textContent = ""; });
    }
    return {render: function (tk) { render(tk[field]); }};
  }
  const raters = [Rater("st", "rating", "visit", "status.rate.given"),
                  Rater("sc", "case_rating", "case", "status.case_rate.given")];

  // ---- complaints and suggestions ------------------------------------------------------------------
  function renderComplaints(list) {
    const box = $("fb-mine");
    if (!box) return;
    box.textContent = "";
    (list || []).forEach(function (c) {
      const item = el("div", {class: "fb-item", "data-testid": "complaint"});
      item.appendChild(el("div", {class: "fb-head"}, c.category_label + " " + c.number + " · " + c.state_label));
      item.appendChild(el("div", {class: "fb-text"}, c.content));
      if (c.reply) {
        item.appendChild(el("div", {class: "fb-reply", "data-testid": "complaint-reply"}, t("feedback.reply", {text: c.reply})));
      } else {
        item.appendChild(el("div", {class: "fb-due"}, t("feedback.due", {date: c.due})));
      }
      box.appendChild(item);
    });
  }

  async function sendComplaint(ev) {
    ev.preventDefault();
    const err = $("fb-err");
    const category = (document.querySelector("input[name=fb-cat]:checked") || {}).value;
    const content = $("fb-content").value.trim();
    const phone = $("fb-phone").value.trim();
    if (!category) { err.textContent = t("feedback.pick_category"); return; }
    if (content.length < 2) { err.textContent = t("feedback.content_needed"); return; }
    $("fb-send").disabled = true;
    const body = {category: category, content: content, phone: phone || null, ticket: cfg.publicId || null};
    const res = await QH.api("/public/complaints", {method: "POST", body: body});
    $("fb-send").disabled = false;
    if (!res.ok) { err.textContent = QH.errorText(res); return; }
    err.textContent = "";
    $("fb-form").hidden = true;
    $("fb-open").hidden = false;
    const done = $("fb-done");
    done.hidden = false;
    done.textContent = t("feedback.thanks", {number: res.body.number, date: res.body.due});
    if (!cfg.publicId) {  // no ticket: the link to read the reply later
      const a = el("a", {href: "/c/" + res.body.public_id, "data-testid": "complaint-link"}, t("feedback.link"));
      done.appendChild(document.createElement("br"));
      done.appendChild(a);
    } else {
      const mine = ((ticket && ticket.complaints) || []).concat([res.body]);
      ticket = Object.assign({}, ticket || {}, {complaints: mine});
      renderComplaints(mine);
    }
    $("fb-content").value = "";
  }

  function wire() {
    if ($("fb-open")) $("fb-open").addEventListener("click", function () {
      $("fb-form").hidden = false; $("fb-open").hidden = true; $("fb-done").hidden = true;
    });
    if ($("fb-form")) $("fb-form").addEventListener("submit", sendComplaint);
  }

  window.QHFeedback = {
    render: function (p) {
      ticket = Object.assign({}, p);
      raters.forEach(function (r) { r.render(p); });
      renderComplaints(p.complaints);
    },
  };
  wire();
  if (ticket) window.QHFeedback.render(ticket);
})();
