/* /admin/complaints: register complaints that came by call or letter, route, answer and close them. */
(function () {
  "use strict";
  const t = QH.t, el = QH.el;
  const $ = function (id) { return document.getElementById(id); };
  let depts = [];
  const EN = (window.QH_CONFIG || {}).locale === "en";
  /** A department by its English name in an English page, where the hall gave one. */
  function deptName(d) { return (EN && d.name_en) || d.name; }

  function deptSelect(selected) {
    return el("select", {class: "cmp-row-dept"}, [el("option", {value: "", text: t("ovs.cmp.choose_department")})]
      .concat(depts.map(function (d) {
        const o = el("option", {value: String(d.id), text: deptName(d)});
        if (selected && selected.id === d.id) o.selected = true;
        return o;
      })));
  }

  function actions(c) {
    if (c.state === "closed") return el("span", {text: c.close_note || ""});
    const box = el("div", {class: "cmp-actions"});
    const err = el("span", {class: "adm-error", role: "alert"});
    async function act(path, body) {
      const r = await QH.api("/complaints/" + c.id + "/" + path, {method: "POST", body: body});
      if (!r.ok) { err.textContent = QH.errorText(r); return; }
      load();
    }
    if (!c.reply) {
      const sel = deptSelect(c.department);
      box.appendChild(sel);
      box.appendChild(el("button", {type: "button", class: "adm-btn", "data-assign": c.id, text: t("ovs.cmp.assign"),
        onclick: function () { act("assign", {department_id: Number(sel.value)}); }}));
      const reply = el("input", {class: "cmp-reply", maxlength: "2000", placeholder: t("ovs.col.reply")});
      box.appendChild(reply);
      box.appendChild(el("button", {type: "button", class: "adm-btn adm-primary", "data-reply": c.id, text: t("ovs.cmp.reply"),
        onclick: function () { act("reply", {reply: reply.value}); }}));
    }
    box.appendChild(el("button", {type: "button", class: "adm-btn", "data-close": c.id, text: t("ovs.cmp.close"),
      onclick: function () { act("close", c.reply ? {} : {note: window.prompt(t("ovs.cmp.close_why")) || ""}); }}));
    box.appendChild(err);
    return box;
  }

  async function load() {
    const q = [];
    if ($("cmp-state").value) q.push("state=" + encodeURIComponent($("cmp-state").value));
    if ($("cmp-late").checked) q.push("late=true");
    const r = await QH.api("/complaints" + (q.length ? "?" + q.join("&") : ""));
    if (!r.ok) return;
    const body = $("cmp-table").tBodies[0];
    body.replaceChildren.apply(body, r.body.items.length ? r.body.items.map(function (c) {
      return el("tr", {"data-complaint": c.id, class: c.late ? "late" : ""}, [
        el("td", {text: c.number}), el("td", {text: t("ovs.cmp." + c.category)}), el("td", {text: t("ovs.cmp.src." + c.source)}),
        el("td", {text: QH.hallTime(c.created_at)}), el("td", {text: c.content}), el("td", {text: c.phone || "–"}),
        el("td", {text: c.department ? deptName(c.department) : t("ovs.cmp.unassigned")}),
        el("td", {class: c.late ? "ovs-overdue" : "", text: c.due + (c.late ? " " + t("ovs.rect.overdue") : "")}),
        el("td", {text: t("ovs.cmp.state." + c.state)}), el("td", {text: c.reply || ""}), el("td", {class: "no-print"}, [actions(c)]),
      ]);
    }) : [el("tr", {}, [el("td", {colspan: "11", class: "ovs-empty", text: t("ovs.cmp.none")})])]);
    document.body.dataset.loaded = "1";
  }

  async function enter(e) {
    e.preventDefault();
    const body = {category: $("cmp-category").value, source: $("cmp-source").value, content: $("cmp-content").value,
                  phone: $("cmp-phone").value || null, department_id: $("cmp-dept").value ? Number($("cmp-dept").value) : null};
    const r = await QH.api("/complaints", {method: "POST", body: body});
    $("cmp-error").textContent = r.ok ? "" : QH.errorText(r);
    if (r.ok) { $("cmp-content").value = ""; $("cmp-phone").value = ""; load(); }
  }

  /** The hall's periods, 监督电话 and 满意率 definition; only an admin may save them. */
  async function loadSettings() {
    const r = await QH.api("/settings/ratings");
    if (!r.ok) return;
    document.querySelectorAll("[data-rs]").forEach(function (i) { i.value = r.body[i.dataset.rs]; });
    $("rs-supervision_phone").value = r.body.supervision_phone;
    $("rs-satisfaction_counts_basic").checked = r.body.satisfaction_counts_basic;
    $("rs-def").textContent = (window.QH_CONFIG || {}).locale === "en" ? r.body.satisfaction_definition_en : r.body.satisfaction_definition;
    const admin = (window.QH_CONFIG || {}).admin;
    $("rs-form").querySelectorAll("input, button").forEach(function (i) { i.disabled = !admin; });
  }
  async function saveSettings(e) {
    e.preventDefault();
    const body = {supervision_phone: $("rs-supervision_phone").value,
                  satisfaction_counts_basic: $("rs-satisfaction_counts_basic").checked};
    document.querySelectorAll("[data-rs]").forEach(function (i) { body[i.dataset.rs] = Number(i.value); });
    const r = await QH.api("/settings/ratings", {method: "PATCH", body: body});
    $("rs-error").textContent = r.ok ? "" : QH.errorText(r);
    if (r.ok) loadSettings();
  }

  document.addEventListener("DOMContentLoaded", async function () {
    $("rs-form").addEventListener("submit", saveSettings);
    loadSettings();
    const r = await QH.api("/departments");
    depts = r.ok ? r.body.items : [];
    $("cmp-dept").replaceWith(Object.assign(deptSelect(null), {id: "cmp-dept"}));
    $("cmp-new").addEventListener("submit", enter);
    $("cmp-state").addEventListener("change", load);
    $("cmp-late").addEventListener("change", load);
    load();
  });
})();
