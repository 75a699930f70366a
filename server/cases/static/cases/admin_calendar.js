/* /admin/calendar (issue 17): the hall's working days by year (holidays, adjusted working days) and
   the case settings. Admins edit, supervisors read; everything goes through the public API. */
(function () {
  "use strict";
  const cfg = window.QH_CONFIG || {};
  if (cfg.section !== "calendar") return;
  const t = QH.t, el = QH.el;
  const RO = !!cfg.readonly;
  const $ = function (id) { return document.getElementById(id); };
  let year = QH.hallNow().y;

  function flash(msg, kind) {
    const f = $("adm-flash");
    f.textContent = msg || "";
    f.className = "adm-flash" + (msg ? " show " + (kind || "ok") : "");
  }
  function lines(v) { return v.split(/[\s,]+/).map(function (x) { return x.trim(); }).filter(Boolean); }
  function iso(y, m, d) { return y + "-" + (m < 10 ? "0" : "") + m + "-" + (d < 10 ? "0" : "") + d; }

  function monthGrid(y, m, hol, work) {
    const first = new Date(Date.UTC(y, m - 1, 1)).getUTCDay();
    const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const cells = [];
    for (let i = 0; i < (first + 6) % 7; i++) cells.push(el("span", {class: "cal-d cal-pad"}));
    for (let d = 1; d <= days; d++) {
      const key = iso(y, m, d), wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
      let cls = (wd === 0 || wd === 6) ? "cal-rest" : "cal-work";
      if (hol.has(key)) cls = "cal-hol";
      else if (work.has(key)) cls = "cal-adj";
      cells.push(el("span", {class: "cal-d " + cls, title: key, text: String(d)}));
    }
    return el("div", {class: "cal-month"}, [el("div", {class: "cal-mname", text: t("admin.cal.month_n", {n: m})}),
                                             el("div", {class: "cal-grid"}, cells)]);
  }

  function render(c, settings) {
    const hol = el("textarea", {id: "cal-holidays", rows: "8", "data-testid": "cal-holidays"});
    hol.value = c.holidays.join("\n");
    const work = el("textarea", {id: "cal-workdays", rows: "4", "data-testid": "cal-workdays"});
    work.value = c.workdays.join("\n");
    const source = el("input", {id: "cal-source", maxlength: "300"});
    source.value = c.source || "";
    if (RO) { hol.readOnly = work.readOnly = source.readOnly = true; }
    const yearSel = el("select", {id: "cal-year", "data-testid": "cal-year"});
    for (let y = QH.hallNow().y - 1; y <= QH.hallNow().y + 2; y++) {
      const o = el("option", {value: String(y), text: t("admin.cal.year_n", {n: y})});
      if (y === year) o.selected = true;
      yearSel.appendChild(o);
    }
    yearSel.addEventListener("change", function () { year = Number(yearSel.value); load(); });
    const state = el("p", {class: c.defined ? "adm-muted" : "adm-error", "data-testid": "cal-state",
                           text: c.defined ? t("admin.cal.defined", {n: c.year, source: c.source || "-"})
                                           : t("admin.cal.undefined", {n: c.year})});
    const months = el("div", {class: "cal-months"});
    const hs = new Set(c.holidays), ws = new Set(c.workdays);
    for (let m = 1; m <= 12; m++) months.appendChild(monthGrid(c.year, m, hs, ws));
    const legend = el("p", {class: "cal-legend"}, [
      el("span", {class: "cal-d cal-work", text: t("admin.cal.work")}), el("span", {class: "cal-d cal-rest", text: t("admin.cal.rest")}),
      el("span", {class: "cal-d cal-hol", text: t("admin.cal.holiday")}), el("span", {class: "cal-d cal-adj", text: t("admin.cal.adjusted")})]);
    const form = el("div", {class: "cal-form"}, [
      el("label", {}, [t("admin.cal.holidays"), hol]), el("label", {}, [t("admin.cal.workdays"), work]),
      el("label", {}, [t("admin.cal.source"), source])]);
    const parts = [el("div", {class: "cal-head"}, [yearSel, state]), legend, months, form];
    if (!RO) {
      parts.push(el("button", {type: "button", class: "adm-btn adm-primary", id: "cal-save", text: t("admin.cal.save"),
        onclick: async function () {
          const r = await QH.api("/calendar/" + c.year, {method: "PUT", body: {holidays: lines(hol.value),
                                 workdays: lines(work.value), source: source.value.trim()}});
          if (r.ok) { flash(t("admin.cal.saved", {n: c.year})); render(r.body, settings); } else flash(QH.errorText(r), "error");
        }}));
    }
    const pause = el("input", {type: "checkbox", id: "cs-pause"}); pause.checked = settings.pause_awaiting;
    [pause].forEach(function (cb) {
      cb.disabled = RO;
      cb.addEventListener("change", async function () {
        const r = await QH.api("/case-settings", {method: "PATCH", body: {pause_awaiting: pause.checked}});
        flash(r.ok ? t("admin.cal.settings_saved") : QH.errorText(r), r.ok ? "ok" : "error");
      });
    });
    parts.push(el("h3", {text: t("admin.cal.case_settings")}),
               el("label", {class: "cal-check"}, [pause, " " + t("admin.cal.pause_awaiting")]));
    $("adm-content").replaceChildren.apply($("adm-content"), parts);
  }

  async function load() {
    if (!$("adm-content")) return;  // the sign-in form, not the section
    const rs = await Promise.all([QH.api("/calendar/" + year), QH.api("/case-settings")]);
    if (!rs[0].ok) { $("adm-content").replaceChildren(el("p", {class: "adm-error", text: QH.errorText(rs[0])})); return; }
    render(rs[0].body, rs[1].ok ? rs[1].body : {pause_awaiting: true});
  }

  document.addEventListener("DOMContentLoaded", load);
})();
