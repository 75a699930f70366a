/* /cases: the staff's cases. Moves go through the API, which decides who may make them (403) and
   which the state allows (409); the page offers only the moves the state allows. */
(function () {
  "use strict";
  const t = QH.t, el = QH.el;
  const $ = function (id) { return document.getElementById(id); };
  const MOVES = {accepted: ["review", "request-materials", "reject"], in_review: ["request-materials", "approve", "reject"],
                 awaiting_materials: ["materials-received"], ready: ["deliver"], delivered: [], rejected: []};
  let selected = null;
  const en = (window.QH_CONFIG || {}).locale === "en";
  /** The item's name in the page's language (its English name when it has one). */
  const svc = function (c) { return (en && c.service_name_en) || c.service_name; };

  function say(text, bad) {
    const m = $("cw-msg");
    m.textContent = text; m.hidden = !text;
    m.dataset.kind = bad ? "error" : "ok";
  }
  async function load() {
    const params = new URLSearchParams();
    if ($("cw-state").value) params.set("state", $("cw-state").value);
    if ($("cw-overdue").checked) params.set("overdue", "true");
    const r = await QH.api("/cases?" + params.toString());
    if (!r.ok) { say(QH.errorText(r), true); return; }
    const rows = r.body.items.map(function (c) {
      const tr = el("tr", {"data-id": String(c.id), "data-testid": "cw-row", class: c.id === selected ? "cw-sel" : ""}, [
        el("td", {text: c.number}), el("td", {text: svc(c)}), el("td", {text: c.applicant.name}),
        el("td", {text: (c.accepted_at || "").slice(0, 10)}),
        el("td", {class: c.overdue ? "cw-over" : "", text: c.due_date + (c.overdue ? " " + t("cases.work.overdue") : "")}),
        el("td", {text: t("cases.state." + c.state)})]);
      tr.addEventListener("click", function () { show(c.id); });
      return tr;
    });
    $("cw-rows").replaceChildren.apply($("cw-rows"), rows);
    $("cw-empty").hidden = rows.length > 0;
  }
  function field(label, input) { return el("label", {}, [label, input]); }
  function moveForm(c, move) {
    const box = el("div", {class: "cw-form", "data-testid": "cw-form"});
    const body = {};
    let input = null, extra = null;
    if (move === "request-materials") {
      input = el("textarea", {id: "cw-materials", rows: "3", placeholder: t("cases.work.materials_ph")});
      box.appendChild(field(t("cases.work.materials"), input));
    } else if (move === "reject") {
      input = el("textarea", {id: "cw-reason", rows: "2"});
      box.appendChild(field(t("cases.work.reason"), input));
    } else if (move === "deliver") {
      input = el("select", {id: "cw-method"}, [el("option", {value: "window", text: t("cases.work.by_window")}),
                                              el("option", {value: "post", text: t("cases.work.by_post")})]);
      extra = el("input", {id: "cw-note", maxlength: "500", placeholder: t("cases.work.tracking")});
      box.appendChild(field(t("cases.work.method"), input));
      box.appendChild(extra);
    }
    const ok = el("button", {class: "qc-btn qc-primary", type: "button", id: "cw-ok", text: t("cases.move." + move)});
    ok.addEventListener("click", async function () {
      if (move === "request-materials") body.materials = input.value.split("\n").map(function (x) { return x.trim(); }).filter(Boolean);
      if (move === "reject") body.reason = input.value.trim();
      if (move === "deliver") { body.method = input.value; body.note = extra.value.trim() || null; }
      const r = await QH.api("/cases/" + c.id + "/" + move, {body: body});
      if (!r.ok) { say(r.status === 403 ? t("cases.work.forbidden") : QH.errorText(r), true); return; }
      say(t("cases.work.moved", {number: c.number, state: t("cases.state." + r.body.state)}));
      await load();
      render(r.body);
    });
    box.appendChild(ok);
    return box;
  }
  function render(c) {
    selected = c.id;
    const moves = el("div", {class: "cw-moves"});
    const formSlot = el("div", {});
    (MOVES[c.state] || []).forEach(function (m) {
      const b = el("button", {class: "qc-btn", type: "button", "data-move": m, text: t("cases.move." + m)});
      b.addEventListener("click", function () {
        if (m === "review" || m === "approve" || m === "materials-received") {
          formSlot.replaceChildren(moveForm(c, m)); formSlot.querySelector("button").click();
        } else formSlot.replaceChildren(moveForm(c, m));
      });
      moves.appendChild(b);
    });
    const events = el("ol", {class: "cw-events"}, c.events.map(function (e) {
      const who = e.staff_name ? " · " + e.staff_name : "";
      const what = (e.data && e.data.materials ? t("cases.work.colon") + e.data.materials.join(t("cases.work.list_sep")) : "") +
                   (e.data && e.data.reason ? t("cases.work.colon") + e.data.reason : "") +
                   (e.data && e.data.note ? t("cases.work.note", {note: e.data.note}) : "");
      return el("li", {}, [el("span", {class: "cw-when", text: QH.hallTime(e.at)}),
                           t("cases.ev." + e.type) + what + who]);
    }));
    const d = $("cw-detail");
    d.replaceChildren(
      el("h2", {text: c.number + " · " + svc(c)}),
      applicantLine(c),
      el("p", {class: c.overdue ? "cw-over" : "", text: t("cases.work.due") + t("cases.work.colon") + c.due_date +
        (c.paused_days ? " " + t("cases.work.paused", {n: c.paused_days}) : "") + (c.overdue ? " " + t("cases.work.overdue") : "")}),
      el("p", {text: t("cases.work.state") + t("cases.work.colon") + t("cases.state." + c.state)}), moves, formSlot, events);
    d.hidden = false;
  }
  /** The applicant, masked; "Show in full" asks the API (which checks who may and audits each reveal)
      and shows the answer only on this page, until the case is drawn again. */
  function applicantLine(c) {
    const text = el("span", {"data-testid": "cw-applicant-text",
                             text: c.applicant.name + " " + c.applicant.phone});
    const line = el("p", {"data-testid": "cw-applicant"}, [t("cases.work.applicant") + t("cases.work.colon"), text]);
    if (!c.can_reveal) return line;
    const btn = el("button", {class: "qc-btn qc-small", type: "button", "data-testid": "cw-reveal",
                              "aria-pressed": "false", text: t("cases.work.reveal")});
    const note = el("span", {class: "qc-muted", "data-testid": "cw-revealed", hidden: "hidden",
                             text: " " + t("cases.work.revealed")});
    btn.addEventListener("click", async function () {
      if (btn.getAttribute("aria-pressed") === "true") {
        text.textContent = c.applicant.name + " " + c.applicant.phone;
        btn.setAttribute("aria-pressed", "false"); btn.textContent = t("cases.work.reveal"); note.hidden = true;
        return;
      }
      btn.disabled = true;
      const r = await QH.api("/cases/" + c.id + "/reveal", {body: {}});
      btn.disabled = false;
      if (!r.ok) { say(r.status === 403 ? t("cases.work.forbidden") : QH.errorText(r), true); return; }
      text.textContent = r.body.applicant.name + " " + r.body.applicant.phone;
      btn.setAttribute("aria-pressed", "true"); btn.textContent = t("cases.work.hide"); note.hidden = false;
    });
    line.append(" ", btn, note);
    return line;
  }
  async function show(id) {
    const r = await QH.api("/cases/" + id);
    if (!r.ok) { say(QH.errorText(r), true); return; }
    render(r.body);
    document.querySelectorAll("#cw-rows tr").forEach(function (tr) { tr.classList.toggle("cw-sel", tr.dataset.id === String(id)); });
  }
  $("cw-state").addEventListener("change", load);
  $("cw-overdue").addEventListener("change", load);
  load();
})();
