/* /admin/booking (issue 19): booking settings and which items can be booked, in which periods,
   slot length and capacities (fewer on a Saturday worked). Admins edit, supervisors read; all
   through the API. */
(function () {
  "use strict";
  const cfg = window.QH_CONFIG || {};
  if (cfg.section !== "booking") return;
  const t = QH.t, el = QH.el;
  const RO = !!cfg.readonly;
  const $ = function (id) { return document.getElementById(id); };
  /** An item by its English name in an English page, where the hall gave one. */
  const named = function (sv) { return (cfg.locale === "en" && sv.name_en) || sv.name; };
  const FIELDS = ["days_ahead", "per_phone_day", "per_phone_item", "no_show_limit", "no_show_days",
                  "checkin_early_min", "checkin_late_min", "call_before_min", "call_after_min", "booked_ratio",
                  "near_ahead"];

  function flash(msg, kind) {
    const f = $("adm-flash");
    f.textContent = msg || "";
    f.className = "adm-flash" + (msg ? " show " + (kind || "ok") : "");
  }
  function periodsText(p) { return (p || []).map(function (x) { return x[0] + "-" + x[1]; }).join(", "); }
  function parsePeriods(v) {
    return v.split(/[,，;\s]+/).filter(Boolean).map(function (x) { return x.split(/[-–~]/).map(function (y) { return y.trim(); }); });
  }
  function ro(attrs) { if (RO) attrs.disabled = "disabled"; return attrs; }  // supervisors read only
  function num(id, value) {
    return el("input", ro({type: "number", min: "0", id: id, value: String(value), class: "bk-num"}));
  }
  function saveButton(attrs) { const b = el("button", attrs); b.hidden = RO; return b; }

  function settingsForm(s) {
    const rows = FIELDS.map(function (f) {
      return el("label", {class: "bk-adm-field"}, [el("span", {text: t("admin.booking." + f)}), num("bk-set-" + f, s[f])]);
    });
    const save = saveButton({type: "button", class: "adm-btn adm-primary", id: "bk-save-settings",
                             text: t("admin.save"), onclick: async function () {
      const body = {};
      FIELDS.forEach(function (f) { body[f] = parseInt($("bk-set-" + f).value, 10); });
      const r = await QH.api("/booking-settings", {method: "PATCH", body: body});
      flash(r.ok ? t("admin.booking.saved") : QH.errorText(r), r.ok ? "ok" : "error");
    }});
    return el("section", {class: "bk-adm-card"}, [el("h3", {text: t("admin.booking.settings")}),
      el("div", {class: "bk-adm-grid"}, rows), save]);
  }

  function rulesTable(services, rules) {
    const byId = {};
    rules.forEach(function (r) { byId[r.service_id] = r; });
    const head = el("tr", {}, ["item", "bookable", "periods", "slot_min", "capacity", "saturday_capacity", "days_ahead", "per_phone_item", ""].map(function (k) {
      return el("th", {text: k ? t("admin.booking.col." + k) : ""});
    }));
    const body = services.map(function (sv) {
      const r = byId[sv.id] || {periods: [["09:00", "11:30"], ["13:30", "17:00"]], slot_min: 30, capacity: 4,
                                saturday_capacity: 2, active: false};
      const on = el("input", ro({type: "checkbox", "data-testid": "bookable-" + sv.id}));
      on.checked = !!(byId[sv.id] && r.active);
      const per = el("input", ro({value: periodsText(r.periods), class: "bk-periods"}));
      const slot = num("", r.slot_min), cap = num("", r.capacity), sat = num("", r.saturday_capacity);
      // the item's own limits; blank: the hall's settings above
      const ahead = num("", r.days_ahead === null || r.days_ahead === undefined ? "" : r.days_ahead);
      const perPhone = num("", r.per_phone_item === null || r.per_phone_item === undefined ? "" : r.per_phone_item);
      ahead.placeholder = perPhone.placeholder = t("admin.booking.hall_default");
      ahead.dataset.field = "days_ahead"; perPhone.dataset.field = "per_phone_item";
      function own(input) { return input.value === "" ? null : parseInt(input.value, 10); }
      const save = saveButton({type: "button", class: "adm-btn", text: t("admin.save"),
                               onclick: async function () {
        const res = await QH.api("/booking-rules/" + sv.id, {method: "PUT", body: {
          periods: parsePeriods(per.value), slot_min: parseInt(slot.value, 10), capacity: parseInt(cap.value, 10),
          saturday_capacity: parseInt(sat.value, 10), active: on.checked, days_ahead: own(ahead), per_phone_item: own(perPhone)}});
        flash(res.ok ? t("admin.booking.saved_item", {item: named(sv)}) : QH.errorText(res), res.ok ? "ok" : "error");
      }});
      return el("tr", {"data-service": sv.id}, [el("td", {text: named(sv)}), el("td", {}, [on]), el("td", {}, [per]),
        el("td", {}, [slot]), el("td", {}, [cap]), el("td", {}, [sat]), el("td", {}, [ahead]), el("td", {}, [perPhone]),
        el("td", {}, [save])]);
    });
    return el("section", {class: "bk-adm-card"}, [el("h3", {text: t("admin.booking.items")}),
      el("p", {class: "adm-muted", text: t("admin.booking.items_hint")}),
      el("table", {class: "adm-table", id: "bk-rules"}, [el("thead", {}, [head]), el("tbody", {}, body)])]);
  }

  async function load() {
    if (!$("adm-content")) return;  // the sign-in form
    const rs = await Promise.all([QH.api("/booking-settings"), QH.api("/services"), QH.api("/booking-rules")]);
    const bad = rs.find(function (r) { return !r.ok; });
    if (bad) { $("adm-content").replaceChildren(el("p", {class: "adm-error", text: QH.errorText(bad)})); return; }
    const services = rs[1].body.items.filter(function (s) { return s.active !== false; });
    $("adm-content").replaceChildren(settingsForm(rs[0].body), rulesTable(services, rs[2].body.items));
  }

  document.addEventListener("DOMContentLoaded", load);
})();
