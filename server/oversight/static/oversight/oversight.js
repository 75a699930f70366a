/* Oversight pages: live monitor, reports with charts and exports, audit log. Public API only (QH.api). */
(function () {
  "use strict";
  const cfg = window.QH_CONFIG || {};
  const t = QH.t, el = QH.el;
  const $ = function (id) { return document.getElementById(id); };
  if ($("print-now")) $("print-now").addEventListener("click", function () { window.print(); });
  const API = cfg.apiBase || "/api/v1";
  const LANG = cfg.locale === "en" ? "en" : "zh";
  /** An item's or window's name in the page's language (its English name when it has one). */
  const named = function (x) { return (LANG === "en" && x.name_en) || x.name; };

  function dur(s) {
    if (s === null || s === undefined) return "–";
    s = Math.round(s);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
  }
  function pct(v) { return v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%"; }
  /** What a bad rating rated: the ticket's visit, or the case it opened (办件送达后评价). */
  function rated(b) { return b.case_number ? t("ovs.rect.case_of", {ticket: b.number, case: b.case_number}) : b.number; }
  function num(v) { return v === null || v === undefined ? "–" : String(v); }
  function fill(tbody, rows) { tbody.replaceChildren.apply(tbody, rows); }
  function tr(cells, attrs) { return el("tr", attrs || {}, cells.map(function (c) { return el("td", {}, [typeof c === "string" ? c : c]); })); }
  function localTime(iso) { return iso ? QH.hallTime(iso, {hour: "2-digit", minute: "2-digit", second: "2-digit"}) : ""; }
  function localDateTime(iso) { return iso ? QH.hallTime(iso) : ""; }
  function qs(obj) { return Object.keys(obj).filter(function (k) { return obj[k] !== "" && obj[k] !== null && obj[k] !== undefined; })
    .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(obj[k]); }).join("&"); }

  // ---- rectification of bad ratings (整改), on the reports page and the monitor ---------------
  const RECT_NEXT = {open: ["in_progress", "done", "closed"], in_progress: ["in_progress", "done", "closed"],
                     done: ["in_progress", "closed"], closed: []};
  function rectLabel(st) { return t("ovs.rect." + st); }
  function levelWord(n) { return t("ovs.col.level_" + n); }
  /** 回访 and 整改反馈 deadlines, with the overdue ones marked (issue 18). */
  function rectDue(b) {
    const late = b.overdue || [];
    const part = function (step, due) {
      return t("ovs.rect.due_" + step, {date: due || "–"}) + (late.indexOf(step) >= 0 ? " " + t("ovs.rect.overdue") : "");
    };
    const done = (b.callbacks || []).length ? t("ovs.rect.called_back", {n: b.callbacks.length}) : part("callback", b.callback_due);
    return el("span", {class: late.length ? "ovs-overdue" : "", "data-overdue": late.join(","),
                       text: done + " · " + part("feedback", b.feedback_due)});
  }
  function rectHistory(row) {
    return el("ol", {class: "ovs-rect-history"}, (row.history || []).map(function (h) {
      // a step (回访, 申诉 and its decision) says which step it was, not the status it left unchanged
      const what = h.step ? t("ovs.rect.step." + h.step) : rectLabel(h.status);
      return el("li", {text: localDateTime(h.at) + " · " + h.by_name + " · " + what + (h.note ? " — " + h.note : "")});
    }));
  }
  /** A dialog to move one bad rating's rectification on; calls done(row) after a saved change. */
  function editRect(row, done) {
    let dlg = $("rect-dialog");
    if (dlg) dlg.remove();
    const status = el("select", {id: "rect-status"}, RECT_NEXT[row.rectification].map(function (st) {
      return el("option", {value: st, text: rectLabel(st)}); }));
    const note = el("textarea", {id: "rect-note", rows: 3, maxlength: "500"});
    const err = el("p", {class: "adm-error", id: "rect-error", role: "alert"});
    const form = el("form", {class: "ovs-rect-form", method: "dialog"}, [
      el("p", {text: row.number + " · " + (LANG === "en" ? row.service_en || row.service : row.service) + " · " + t("ovs.col.level") + " " + levelWord(row.level) + (row.reason ? " · " + row.reason : "")}),
      rectHistory(row), callbackForm(row, function (r2) { dlg.close(); done(r2); }),
      el("label", {for: "rect-status", text: t("ovs.rect.status")}), status,
      el("label", {for: "rect-note", text: t("ovs.rect.note")}), note,
      el("small", {class: "adm-muted", text: t("ovs.rect.note_hint")}), err,
      el("div", {class: "adm-row-btns"}, [
        el("button", {type: "submit", class: "adm-btn adm-primary", id: "rect-save", text: t("ovs.rect.save")}),
        el("button", {type: "button", class: "adm-btn", text: t("ovs.rect.cancel"), onclick: function () { dlg.close(); }})])]);
    form.addEventListener("submit", async function (e) {
      e.preventDefault();
      const r = await QH.api("/rectifications/" + row.id, {method: "PATCH", body: {status: status.value, note: note.value}});
      if (!r.ok) { err.textContent = QH.errorText(r); return; }
      dlg.close();
      done(r.body);
    });
    dlg = el("dialog", {id: "rect-dialog", class: "ovs-dialog"}, [el("h3", {text: t("ovs.rect.title", {number: row.number})}), form]);
    document.body.appendChild(dlg);
    dlg.showModal();
    status.focus();
  }
  /** 回访: what the visitor said and whether they accept; a rectification closes only after one. */
  function callbackForm(row, done) {
    if (row.rectification === "closed") return el("span");
    const note = el("input", {id: "cb-note", maxlength: "500", placeholder: t("ovs.rect.callback_hint")});
    const ok = el("input", {id: "cb-accepted", type: "checkbox"});
    const err = el("p", {class: "adm-error", role: "alert"});
    const btn = el("button", {type: "button", class: "adm-btn", id: "cb-save", text: t("ovs.rect.callback_save"),
      onclick: async function () {
        const r = await QH.api("/rectifications/" + row.id + "/callback", {method: "POST", body: {accepted: ok.checked, note: note.value}});
        if (!r.ok) { err.textContent = QH.errorText(r); return; }
        done(r.body);
      }});
    return el("fieldset", {class: "ovs-callback"}, [el("legend", {text: t("ovs.rect.callback")}), note,
      el("label", {for: "cb-accepted"}, [ok, " " + t("ovs.rect.accepted")]), btn, err]);
  }
  function rectButton(row, done) {
    if (!RECT_NEXT[row.rectification].length) return "";
    return el("button", {type: "button", class: "adm-btn ovs-rect-edit", "data-rect": row.id, text: t("ovs.rect.edit"),
                         onclick: function () { editRect(row, done); }});
  }
  function rectCells(b) {
    return [rectLabel(b.rectification), b.rectification_note || "",
            b.rectified_by ? b.rectified_by + " · " + localDateTime(b.rectified_at) : "–"];
  }

  // ---- live monitor ------------------------------------------------------------------------
  // what an alert row shows: a row kept while this is unchanged (QH.syncRows), whichever way it came
  // (the data's keys sorted: the event and the monitor's answer list them in different orders)
  function alertSig(a) {
    const d = a.data || {};
    return JSON.stringify([a.kind, a.raised_at, a.acknowledged_at || null, a.message,
                           Object.keys(d).sort().map(function (k) { return [k, d[k]]; })]);
  }
  function alertItem(a) {
    const data = Object.assign({}, a.data || {});
    if (data.level) data.level = levelWord(data.level);  // a level in words, never a digit
    const text = t("ovs.alert." + a.kind, data);
    const li = el("li", {class: "ovs-alert " + a.kind + (a.acknowledged_at ? " acked" : ""), id: "alert-" + a.id,
                         "data-kind": a.kind, "data-key": "alert-" + a.id, "data-sig": alertSig(a)}, [
      el("span", {class: "ovs-alert-time", text: localTime(a.raised_at)}),
      el("span", {class: "ovs-alert-text", text: text.indexOf("ovs.alert.") === 0 ? a.message : text}),
    ]);
    if (!a.acknowledged_at) {
      li.appendChild(el("button", {type: "button", class: "adm-btn ovs-ack", "data-ack": a.id, text: t("ovs.ack"),
        onclick: async function () { const r = await QH.api("/alerts/" + a.id + "/ack", {method: "POST", body: {}}); if (r.ok) li.classList.add("acked"), this.remove(); }}));
    } else li.appendChild(el("span", {class: "ovs-acked", text: t("ovs.acked")}));
    return li;
  }
  function renderMonitor(m) {
    $("ovs-now").textContent = localTime(m.now);
    fill($("mon-services").tBodies[0], m.services.map(function (s) {
      return tr([s.prefix + " " + named(s), String(s.waiting), dur(s.longest_wait_s), dur(s.threshold_s)],
                {class: s.over ? "over" : "", "data-service": s.id});
    }));
    fill($("mon-windows").tBodies[0], m.windows.map(function (w) {
      const cur = w.current ? w.current.number + " · " + t("ovs.tstate." + w.current.state) + " " + dur(w.current.for_s) : "–";
      return tr([w.number + " " + named(w), t("ovs.wstate." + w.state) + (w.pause_reason ? " (" + t("ovs.reason." + w.pause_reason) + ")" : ""),
                 w.staff ? w.staff.name : "–", cur, dur(w.in_state_s), dur(w.paused_today_s)], {class: "st-" + w.state, "data-window": w.id});
    }));
    // the lists with buttons keep their unchanged rows: the monitor reloads on every call in the
    // hall, and a rebuilt row would swallow a click on its button (QH.syncRows)
    QH.syncRows($("mon-alerts"), m.alerts.length ? m.alerts.map(function (a) {
      return {key: "alert-" + a.id, sig: alertSig(a), build: function () { return alertItem(a); }};
    }) : [{key: "none", sig: "", build: function () { return el("li", {class: "ovs-empty", text: t("ovs.no_alerts")}); }}]);
    const pend = m.rectifications || [];
    QH.syncRows($("mon-rect").tBodies[0], pend.length ? pend.map(function (b) {
      return {key: "rect-" + b.id, sig: JSON.stringify(b), build: function () {
        return tr([b.day + " " + localTime(b.at), rated(b), b.window ? String(b.window) : "–", levelWord(b.level), b.reason || "",
                   rectLabel(b.rectification), rectDue(b), rectButton(b, monitorReload)], {"data-rect-row": b.id});
      }};
    }) : [{key: "none", sig: "", build: function () {
      return el("tr", {}, [el("td", {colspan: "8", class: "ovs-empty", text: t("ovs.rect.none")})]);
    }}]);
  }
  let monitorReload = function () {};
  function startMonitor() {
    let timer = null;
    async function load() {
      const r = await QH.api("/monitor");
      if (r.ok) renderMonitor(r.body);
    }
    function soon() { clearTimeout(timer); timer = setTimeout(load, 300); }
    monitorReload = soon;
    load();
    setInterval(load, 15000);
    QH.realtime({
      status: function (on) { $("ovs-conn").textContent = on ? t("common.online") : t("common.offline"); $("ovs-conn").dataset.online = on ? "1" : "0"; },
      snapshot: soon,
      event: function (name, p) {
        // a list held by a press (QH.syncRows) is not changed here: the next load brings the alert
        if (name === "alert.raised" && p.alert) {
          if (QH.holding()) return soon();
          const list = $("mon-alerts");
          const empty = list.querySelector(".ovs-empty");
          if (empty) empty.remove();
          if (!$("alert-" + p.alert.id)) list.insertBefore(alertItem(p.alert), list.firstChild);
        } else if (name === "alert.acknowledged" && p.alert) {
          if (QH.holding()) return soon();
          const li = $("alert-" + p.alert.id);
          if (li) li.replaceWith(alertItem(p.alert));
          if (p.alert.kind === "bad_rating") soon();
        } else if (/^(window|queue|ticket|rectification)\./.test(name)) soon();
      },
    }, function (cb) {
      QH.api("/caller/realtime-token", {method: "POST", body: {}}).then(function (r) { cb({token: r.ok ? r.body.access_token : ""}); });
    });
  }

  // ---- reports -----------------------------------------------------------------------------
  const charts = {};
  function chart(id, type, labels, sets) {
    if (typeof Chart === "undefined") return;
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart($(id), {type: type, data: {labels: labels, datasets: sets},
      options: {animation: false, responsive: true, plugins: {legend: {position: "bottom"}}}});
  }
  const TABLE_COLS = [["name", null], ["issued", num], ["served", num], ["no_show", num], ["transferred", num], ["cancelled", num],
    ["wait_avg_s", dur], ["wait_median_s", dur], ["wait_p90_s", dur], ["service_avg_s", dur], ["service_median_s", dur],
    ["service_p90_s", dur], ["within_promised_rate", pct], ["level_5", num], ["level_4", num], ["level_3", num],
    ["level_2", num], ["level_1", num], ["satisfaction_rate", pct]];
  const ASS_COLS = [["name", null], ["score", num], ["satisfaction", num], ["center", num], ["department", num],
    ["efficiency", num], ["instant_rate", pct], ["on_time_rate", pct], ["discipline", num], ["volume", num], ["items", num],
    ["staffing", num], ["served", num],
    ["no_show", num], ["evaluations", num], ["pause_excess_s", dur], ["late_openings", num]];
  function renderTable(table, cols, rows) {
    table.tHead.replaceChildren(el("tr", {}, cols.map(function (c) { return el("th", {text: t("ovs.col." + c[0])}); })));
    fill(table.tBodies[0], rows.map(function (r) {
      return el("tr", {"data-key": r.key}, cols.map(function (c) {
        return el("td", {"data-col": c[0], text: c[0] === "name" ? named(r) : c[1] ? c[1](r[c[0]]) : String(r[c[0]])});
      }));
    }));
  }
  function range() { return {from: $("rep-from").value, to: $("rep-to").value}; }
  function weights() {
    const w = {};
    document.querySelectorAll("[data-w]").forEach(function (i) { if (i.value !== "") w["w_" + i.dataset.w] = i.value; });
    return w;
  }
  function exportsFor(name, params) {
    document.querySelectorAll('.ovs-exports[data-report="' + name + '"]').forEach(function (span) {
      span.replaceChildren.apply(span, ["csv", "xlsx"].map(function (f) {
        return el("a", {class: "adm-btn", id: "export-" + name + "-" + f, href: API + "/reports/" + name + "?" + qs(Object.assign({}, params, {format: f, lang: LANG})), text: f.toUpperCase()});
      }));
    });
  }
  async function runReports() {
    const rg = range(), by = $("rep-by").value;
    if (!rg.from || !rg.to) return;
    if ($("rep-print")) $("rep-print").href = "/admin/reports/print?" + qs(Object.assign({by: by}, rg));
    if ($("print-range")) $("print-range").textContent = rg.from + " – " + rg.to + " · " + t("ovs.by." + by);
    const defs = await QH.api("/settings/ratings");  // what the satisfaction rate counts is the hall's choice: say which
    if (defs.ok && $("def-satisfaction")) {
      $("def-satisfaction").textContent = t("ovs.def.satisfaction") +
        (cfg.locale === "en" ? defs.body.satisfaction_definition_en : defs.body.satisfaction_definition);
    }
    const tab = await QH.api("/reports/table?" + qs(Object.assign({by: by}, rg)));
    if (!tab.ok) { alert(QH.errorText(tab)); return; }
    renderTable($("rep-table"), TABLE_COLS, tab.body.items);
    exportsFor("table", Object.assign({by: by}, rg));
    const labels = tab.body.items.map(named);
    const series = function (k, s) { return tab.body.items.map(function (r) { return r[k] === null ? null : r[k] / (s || 1); }); };
    chart("chart-volume", "bar", labels, [
      {label: t("ovs.col.issued"), data: series("issued")}, {label: t("ovs.col.served"), data: series("served")},
      {label: t("ovs.col.no_show"), data: series("no_show")}, {label: t("ovs.col.transferred"), data: series("transferred")}]);
    chart("chart-wait", "line", labels, [
      {label: t("ovs.col.wait_avg_s") + t("ovs.unit.min"), data: series("wait_avg_s", 60)},
      {label: t("ovs.col.wait_p90_s") + t("ovs.unit.min"), data: series("wait_p90_s", 60)},
      {label: t("ovs.col.service_avg_s") + t("ovs.unit.min"), data: series("service_avg_s", 60)}]);
    const heat = await QH.api("/reports/heatmap?" + qs(rg));
    if (heat.ok) renderHeat(heat.body.items);
    exportsFor("heatmap", rg);
    await runAssessment();
    await runBad();
    exportsFor("bad-ratings", rg);
    document.body.dataset.loaded = "1";
  }
  async function runBad() {
    const bad = await QH.api("/reports/bad-ratings?" + qs(range()));
    if (bad.ok) fill($("bad-table").tBodies[0], bad.body.items.map(function (b) {
      return tr([b.day, rated(b), LANG === "en" ? b.service_en || b.service : b.service, b.window ? String(b.window) : "–", b.staff || "–", levelWord(b.level), b.reason || ""]
        .concat(rectCells(b), [rectButton(b, runBad)]), {"data-rect-row": b.id});
    }));
  }
  async function runAssessment() {
    const by = $("ass-by").value;
    const p = Object.assign({by: by, month: $("ass-month").value}, weights());
    const r = await QH.api("/reports/assessment?" + qs(Object.assign({lang: LANG}, p)));  // explanations in the page's language
    if (!r.ok) return;
    document.querySelectorAll("[data-w]").forEach(function (i) { if (i.value === "") i.placeholder = r.body.weights[i.dataset.w]; });
    $("ass-formula").textContent = t("ovs.def.assessment") + " " + Object.keys(r.body.weights).map(function (k) {
      return t("ovs.col." + k) + " " + r.body.weights[k]; }).join(t("ovs.list_sep"));
    renderTable($("ass-table"), ASS_COLS.concat([["explain", null]]), r.body.items);
    // every score says how it was computed: one line per component, in words
    r.body.items.forEach(function (row) {
      const cell = $("ass-table").querySelector('tr[data-key="' + row.key + '"] td[data-col="explain"]');
      if (cell) cell.replaceChildren(el("ul", {class: "ovs-explain"}, row.explain.map(function (x) { return el("li", {text: x}); })));
    });
    const subj = $("score-subject");
    subj.replaceChildren.apply(subj, r.body.items.map(function (row) { return el("option", {value: row.key, text: named(row)}); }));
    $("score-rater").querySelector("[value=department]").disabled = by === "department";
    if (by === "department") $("score-rater").value = "center";
    const link = $("bulletin-link");
    link.hidden = by !== "department" || !r.body.items.length;
    link.style.display = link.hidden ? "none" : "";  // .adm-btn sets display, which [hidden] alone does not beat
    link.href = "/admin/reports/bulletin?" + qs({month: $("ass-month").value, department: subj.value});
    subj.onchange = function () { link.href = "/admin/reports/bulletin?" + qs({month: $("ass-month").value, department: subj.value}); };
    exportsFor("assessment", p);
  }
  async function saveScore(e) {
    e.preventDefault();
    const body = {month: $("ass-month").value, subject: {kind: $("ass-by").value, id: Number($("score-subject").value)},
                  rater: $("score-rater").value, score: Number($("score-value").value), comment: $("score-comment").value};
    const r = await QH.api("/assessment/scores", {method: "PUT", body: body});
    $("score-error").textContent = r.ok ? "" : QH.errorText(r);
    if (r.ok) { $("score-value").value = ""; $("score-comment").value = ""; runAssessment(); }
  }
  function renderHeat(items) {
    const hours = [], grid = {};
    let max = 0;
    items.forEach(function (c) { if (hours.indexOf(c.hour) < 0) hours.push(c.hour); grid[c.weekday + ":" + c.hour] = c; max = Math.max(max, c.per_day); });
    hours.sort(function (a, b) { return a - b; });
    const head = el("tr", {}, [el("th")].concat(hours.map(function (h) { return el("th", {text: h + ":00"}); })));
    const rows = [1, 2, 3, 4, 5, 6, 7].map(function (d) {
      return el("tr", {}, [el("th", {text: t("ovs.dow." + d)})].concat(hours.map(function (h) {
        const c = grid[d + ":" + h];
        const v = c ? c.per_day : 0;
        return el("td", {style: "background: rgba(200, 40, 40, " + (max ? (v / max).toFixed(2) : 0) + ")", title: c ? c.arrivals + " / " + c.days : "", text: c ? String(v) : ""});
      })));
    });
    $("rep-heat").replaceChildren.apply($("rep-heat"), [head].concat(rows));
  }
  function startReports() {
    const u = new URL(window.location.href);
    // the hall's own days: reports group by the hall's local date, not the browser's
    $("rep-from").value = u.searchParams.get("from") || QH.hallDate(-29);
    $("rep-to").value = u.searchParams.get("to") || QH.hallDate(0);
    $("rep-by").value = u.searchParams.get("by") || "day";
    const form = $("rep-form");
    if (form) form.addEventListener("submit", function (e) { e.preventDefault(); runReports(); });
    $("ass-month").value = u.searchParams.get("month") || QH.hallDate(0).slice(0, 7);
    $("ass-by").addEventListener("change", runAssessment);
    $("ass-month").addEventListener("change", runAssessment);
    if ($("score-form")) $("score-form").addEventListener("submit", saveScore);
    document.querySelectorAll("[data-w]").forEach(function (i) { i.addEventListener("change", runAssessment); });
    runReports();
  }

  // ---- audit log ---------------------------------------------------------------------------
  function startAudit() {
    let last = null;
    function params() { return {from: $("audit-from").value, to: $("audit-to").value, actor: $("audit-actor").value,
                                action: $("audit-action").value, q: $("audit-q").value}; }
    async function load(more) {
      const p = Object.assign(params(), {limit: 100}, more && last ? {before_id: last} : {});
      const r = await QH.api("/audit?" + qs(p));
      if (!r.ok) return;
      const rows = r.body.items.map(function (a) {
        const role = !a.actor_role ? t("ovs.actor." + a.actor_kind)
          : t((a.actor_kind === "device" ? "admin.device." : "admin.role.") + a.actor_role);
        const who = (a.actor_name || "–") + " · " + role;
        const refused = a.status >= 400 ? " " + t("ovs.audit.refused") : "";
        const said = t("ovs.action." + a.action);  // the action in words, not its operation id
        return tr([a.local, who, said.indexOf("ovs.action.") === 0 ? a.action : said, a.method + " " + a.path + (a.target ? " [" + a.target + "]" : ""),
                   (a.status ? String(a.status) : "–") + refused, a.ip, a.user_agent],
                  {"data-action": a.action, "data-id": a.id, class: a.status >= 400 ? "refused" : ""});
      });
      const body = $("audit-table").tBodies[0];
      if (more) rows.forEach(function (x) { body.appendChild(x); }); else fill(body, rows);
      if (r.body.items.length) last = r.body.items[r.body.items.length - 1].id;
      $("audit-csv").href = API + "/audit?" + qs(Object.assign(params(), {format: "csv", limit: 1000}));
      $("audit-xlsx").href = API + "/audit?" + qs(Object.assign(params(), {format: "xlsx", limit: 1000}));
    }
    $("audit-form").addEventListener("submit", function (e) { e.preventDefault(); load(false); });
    $("audit-more").addEventListener("click", function () { load(true); });
    load(false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if ($("mon-services")) startMonitor();
    if ($("rep-table")) startReports();
    if ($("audit-table")) startAudit();
  });
})();
