/* The case figures of the reports page (issue 17), from the same summary the page's table reads. */
(function () {
  "use strict";
  const el = QH.el;
  const $ = function (id) { return document.getElementById(id); };
  const COLS = ["accepted", "instant_done", "refused", "cases_completed", "cases_on_time", "cases_overdue",
                "instant_rate", "on_time_rate"];
  const RATES = {instant_rate: 1, on_time_rate: 1};
  const EN = (window.QH_CONFIG || {}).locale === "en";  // items and windows by their English names

  function cell(k, v) {
    if (v === null || v === undefined) return "–";
    return RATES[k] ? (v * 100).toFixed(1) + "%" : String(v);
  }
  let asked = 0;
  async function run() {
    const from = $("rep-from").value, to = $("rep-to").value, by = $("rep-by").value;
    if (!from || !to || !by) return;
    const mine = ++asked;
    const r = await QH.api("/reports/table?" + new URLSearchParams({from: from, to: to, by: by}).toString());
    if (!r.ok || mine !== asked) return;
    const table = $("case-table");
    // the header is drawn by the server (this page's strings are the reports' own)
    const rows = r.body.items.filter(function (x) {
      return COLS.some(function (k) { return !RATES[k] && x[k]; });
    });
    table.tBodies[0].replaceChildren.apply(table.tBodies[0], rows.map(function (x) {
      return el("tr", {"data-key": String(x.key)}, [el("td", {text: (EN && x.name_en) || x.name})].concat(COLS.map(function (k) {
        return el("td", {"data-col": k, text: cell(k, x[k])});
      })));
    }));
    document.body.dataset.casesLoaded = "1";
  }
  document.addEventListener("DOMContentLoaded", function () {
    const form = $("rep-form");
    if (form) form.addEventListener("submit", function () { setTimeout(run, 0); });
    // the page fills its range and runs its own report first; follow it once its values are there
    let tries = 0;
    const wait = setInterval(function () {
      if (($("rep-from").value && $("rep-to").value) || ++tries > 50) { clearInterval(wait); run(); }
    }, 100);
  });
})();
