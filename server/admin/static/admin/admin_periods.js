/* /admin/hours (issue 19 item 6): 延时/错时服务 — the hall's extra service periods: weekdays, times,
   the windows staffed and the items taken then. Admins edit, supervisors read; all through the API. */
(function () {
  "use strict";
  const cfg = window.QH_CONFIG || {};
  if (cfg.section !== "hours") return;
  const t = QH.t, el = QH.el;
  const RO = !!cfg.readonly;
  const $ = function (id) { return document.getElementById(id); };
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const en = document.documentElement.lang === "en";

  function flash(msg, kind) {
    const f = $("adm-flash");
    f.textContent = msg || "";
    f.className = "adm-flash" + (msg ? " show " + (kind || "ok") : "");
  }
  function ro(attrs) { if (RO) attrs.disabled = "disabled"; return attrs; }
  function check(value, on, label, extra) {
    const box = el("input", ro(Object.assign({type: "checkbox", value: String(value)}, extra || {})));
    box.checked = !!on;
    return el("label", {class: "hp-check"}, [box, " " + label]);
  }
  function ticked(box) {
    return Array.prototype.filter.call(box.querySelectorAll("input[type=checkbox]"), function (c) { return c.checked; })
      .map(function (c) { return c.value; });
  }

  function card(p, services, windows) {
    const kind = el("select", ro({class: "hp-kind", "data-testid": "period-kind"}), ["extended", "staggered"].map(function (k) {
      const o = el("option", {value: k, text: t("admin.periods.kind." + k)});
      if (p.kind === k) o.selected = true;
      return o;
    }));
    const name = el("input", ro({class: "hp-name", maxlength: "100", value: p.name || "", placeholder: t("admin.periods.name_hint")}));
    const nameEn = el("input", ro({class: "hp-name", maxlength: "100", value: p.name_en || ""}));
    const start = el("input", ro({type: "text", class: "hp-time", maxlength: "5", inputmode: "numeric", placeholder: "HH:MM", value: p.start || "12:00", "data-testid": "period-start"}));
    const end = el("input", ro({type: "text", class: "hp-time", maxlength: "5", inputmode: "numeric", placeholder: "HH:MM", value: p.end || "13:30", "data-testid": "period-end"}));
    const days = el("div", {class: "hp-days"}, DAYS.map(function (d) {
      return check(d, (p.days || []).indexOf(d) >= 0, t("admin.f.hours." + d));
    }));
    const wins = el("div", {class: "hp-list"}, windows.map(function (w) {
      return check(w.id, (p.window_ids || []).indexOf(w.id) >= 0, t("admin.periods.window_n", {n: w.number}) + (w.name ? " " + (en && w.name_en ? w.name_en : w.name) : ""));
    }));
    const items = el("div", {class: "hp-list hp-items"}, services.map(function (s) {
      return check(s.id, (p.service_ids || []).indexOf(s.id) >= 0, en && s.name_en ? s.name_en : s.name);
    }));
    const active = el("input", ro({type: "checkbox"}));
    active.checked = p.active !== false;
    function body() {
      return {kind: kind.value, name: name.value.trim(), name_en: nameEn.value.trim(), days: ticked(days),
              start: start.value, end: end.value, window_ids: ticked(wins).map(Number),
              service_ids: ticked(items).map(Number), active: active.checked};
    }
    const buttons = [];
    if (!RO) {
      buttons.push(el("button", {type: "button", class: "adm-btn adm-primary", "data-testid": "period-save", text: t("admin.save"),
        onclick: async function () {
          const r = p.id ? await QH.api("/service-periods/" + p.id, {method: "PUT", body: body()})
                         : await QH.api("/service-periods", {body: body()});
          if (r.ok) { flash(t("admin.periods.saved")); load(); } else flash(QH.errorText(r), "error");
        }}));
      if (p.id) {
        buttons.push(el("button", {type: "button", class: "adm-btn", text: t("admin.delete"), onclick: async function () {
          if (!window.confirm(t("admin.periods.delete_confirm"))) return;
          const r = await QH.api("/service-periods/" + p.id, {method: "DELETE"});
          if (r.ok) { flash(t("admin.periods.deleted")); load(); } else flash(QH.errorText(r), "error");
        }}));
      }
    }
    const row = function (label, node) { return el("div", {class: "hp-row"}, [el("span", {class: "hp-label", text: label}), node]); };
    return el("section", {class: "hp-card", "data-period": p.id || "new"}, [
      row(t("admin.periods.kind"), el("div", {class: "hp-inline"}, [kind, name, el("span", {class: "adm-muted", text: t("admin.periods.name_en")}), nameEn])),
      row(t("admin.periods.days"), days),
      row(t("admin.periods.time"), el("div", {class: "hp-inline"}, [start, "–", end,
        el("label", {class: "hp-check"}, [active, " " + t("admin.periods.active")])])),
      row(t("admin.periods.windows"), wins),
      row(t("admin.periods.items"), items),
      el("div", {class: "hp-actions"}, buttons),
    ]);
  }

  async function load() {
    if (!$("adm-content")) return;  // the sign-in form
    const rs = await Promise.all([QH.api("/service-periods"), QH.api("/admin/services"), QH.api("/admin/windows")]);
    const bad = rs.find(function (r) { return !r.ok; });
    if (bad) { $("adm-content").replaceChildren(el("p", {class: "adm-error", text: QH.errorText(bad)})); return; }
    const services = rs[1].body.items.filter(function (s) { return s.active !== false; });
    const windows = rs[2].body.items.filter(function (w) { return w.active !== false && w.kind !== "consulting"; })
      .sort(function (a, b) { return a.number - b.number; });
    const cards = rs[0].body.items.map(function (p) { return card(p, services, windows); });
    if (!cards.length) cards.push(el("p", {class: "adm-muted", text: t("admin.periods.none")}));
    $("adm-content").replaceChildren.apply($("adm-content"), cards);
    if (!RO) {
      $("adm-actions").replaceChildren(el("button", {type: "button", class: "adm-btn adm-primary", id: "hp-new", text: t("admin.periods.new"),
        onclick: function () {
          $("adm-content").prepend(card({kind: "extended", days: ["mon", "tue", "wed", "thu", "fri"], start: "12:00", end: "13:30"}, services, windows));
        }}));
    }
  }

  document.addEventListener("DOMContentLoaded", load);
})();
