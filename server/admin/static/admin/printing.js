/* Admin: the kiosks' ticket printers live in the devices table, and the ticket preview on the
   settings page. Status comes from the device list and GET /printers, then live from
   `printer.status` events {device_id, online, paper, error, checked_at, seen_at}; the preview
   from GET /print/preview (the sample ticket the real encoder makes, read back by the simulator). */
(function () {
  "use strict";
  const cfg = window.QH_CONFIG || {};
  const t = QH.t, el = QH.el;
  const known = {};   // device id -> last printer status
  const rows = {};    // device id -> its device row (paper, language)
  let watching = false;

  function stateOf(p) {
    if (!p || p.online === undefined || p.online === null) return "unknown";
    if (p.paper === "out") return "paper_out";
    return p.online ? "online" : "offline";
  }

  function fill(node, p, row) {
    const st = stateOf(p);
    const paper = (p && p.paper) || "unknown";
    node.setAttribute("data-state", st);
    node.setAttribute("data-paper", paper);
    const kids = [
      el("span", {class: "adm-printer-state adm-printer-" + st, "data-part": "state", text: t("admin.print.state." + st)}),
      el("span", {"data-part": "paper", class: "adm-printer-paper-" + paper, text: t("admin.print.paper." + paper)}),
      el("span", {"data-part": "seen", class: "adm-muted",
                  text: p && p.seen_at ? t("admin.print.seen", {time: QH.hallTime(p.seen_at)}) : t("admin.print.never_seen")}),
    ];
    if (p && p.error && st !== "online") kids.push(el("span", {"data-part": "error", class: "adm-error", text: p.error}));
    if (row) kids.push(el("span", {"data-part": "options", class: "adm-muted",
                                   text: t("admin.print.paper_mm." + row.paper_mm) + " · " +
                                         t("admin.print.lang." + row.ticket_lang)}));
    node.replaceChildren.apply(node, kids);
  }

  /** The printer cell of one device row: "—" for devices that print nothing. */
  function cell(row) {
    if (row.kind !== "kiosk" || !row.printer_url) return "—";
    rows[row.id] = row;
    if (!(row.id in known)) known[row.id] = (row.status || {}).printer || null;
    const node = el("span", {class: "adm-printer", "data-printer": String(row.id)});
    fill(node, known[row.id], row);
    return node;
  }

  function update(p) {
    if (!p || typeof p.device_id !== "number") return;
    known[p.device_id] = Object.assign({}, known[p.device_id] || {}, p);
    document.querySelectorAll('[data-printer="' + p.device_id + '"]').forEach(function (node) {
      fill(node, known[p.device_id], rows[p.device_id]);
    });
  }

  async function refresh() {
    const r = await QH.api("/printers");
    if (!r.ok) return;
    r.body.items.forEach(function (i) {
      update({device_id: i.device_id, online: i.online, paper: i.paper, error: i.error,
              checked_at: i.checked_at, seen_at: i.seen_at});
    });
  }

  /** Keep the printer cells live: pushed changes at once, the "last seen" times every 15 s. */
  function watch() {
    if (watching) return;
    watching = true;
    QH.realtime({
      event: function (name, payload) { if (name === "printer.status") update(payload); },
      snapshot: refresh,
    }, function (cb) {
      QH.api("/caller/realtime-token", {method: "POST", body: {}}).then(function (r) {
        cb({token: r.ok ? r.body.access_token : ""});
      });
    });
    setInterval(refresh, 15000);
  }

  // ---- the ticket preview -------------------------------------------------------------------
  function select(id, values, labelKey) {
    const s = el("select", {id: id});
    values.forEach(function (v) { s.appendChild(el("option", {value: v, text: t(labelKey + v)})); });
    return s;
  }

  /** A card with paper and language choices, the ticket picture and its decoded text. */
  function previewPanel() {
    const paper = select("pv-paper", ["80", "58"], "admin.print.paper_mm.");
    const lang = select("pv-lang", ["zh+en", "zh", "en"], "admin.print.lang.");
    const img = el("img", {id: "pv-img", class: "adm-ticket-img", alt: t("admin.print.preview_alt")});
    const text = el("pre", {id: "pv-text", class: "adm-ticket-text"});
    const status = el("p", {id: "pv-status", class: "adm-muted", role: "status"});
    let shown = null;
    let asked = 0;  // changing paper then language starts two loads: only the newest may draw
    async function load() {
      const mine = ++asked;
      const q = "/print/preview?paper=" + paper.value + "&lang=" + encodeURIComponent(lang.value);
      status.textContent = t("admin.loading");
      const r = await QH.api(q + "&format=json");
      if (mine !== asked) return;
      if (!r.ok) { status.textContent = QH.errorText(r); status.className = "adm-error"; return; }
      text.textContent = r.body.text;
      try {
        const resp = await fetch((cfg.apiBase || "/api/v1") + q, {credentials: "same-origin", cache: "no-store"});
        if (!resp.ok) throw new Error(String(resp.status));
        const blob = await resp.blob();
        if (mine !== asked) return;
        if (shown) URL.revokeObjectURL(shown);
        shown = URL.createObjectURL(blob);
        img.src = shown;
      } catch (e) {
        if (mine !== asked) return;
        status.textContent = t("admin.print.preview_failed");
        status.className = "adm-error";
        return;
      }
      status.className = "adm-muted";
      status.textContent = t("admin.print.size", {bytes: r.body.size_bytes, paper: r.body.paper_mm});
      img.setAttribute("data-paper", String(r.body.paper_mm));
      img.setAttribute("data-lang", r.body.lang);
    }
    paper.addEventListener("change", load);
    lang.addEventListener("change", load);
    const card = el("section", {class: "adm-card adm-preview-card", id: "ticket-preview"}, [
      el("h3", {text: t("admin.print.preview_title")}),
      el("p", {class: "adm-muted", text: t("admin.print.preview_hint")}),
      el("div", {class: "adm-row-btns"}, [
        el("label", {for: "pv-paper", text: t("admin.f.paper_mm")}), paper,
        el("label", {for: "pv-lang", text: t("admin.f.ticket_lang")}), lang,
        el("button", {type: "button", class: "adm-btn", id: "pv-refresh", text: t("admin.print.refresh"), onclick: load}),
      ]),
      status,
      el("div", {class: "adm-ticket"}, [img, text]),
    ]);
    load();
    return {node: card, reload: load};
  }

  window.QHPrinting = {cell: cell, watch: watch, update: update, previewPanel: previewPanel};
})();
