/* The kiosk's view of the hall and of itself: business hours (a banner saying when numbers are
   issued again) and its own ticket printer (a notice when tickets can only be shown on screen,
   a small note for staff when paper runs low). Public API + `printer.status` events only. */
(function () {
  "use strict";

  /** hooks: {onChange()} is called whenever whether tickets can be taken may have changed. */
  window.QHKioskHall = function (hooks) {
    const cfg = window.QH_CONFIG || {};
    const t = QH.t;
    const $ = function (id) { return document.getElementById(id); };
    const H = {status: null, printer: null, openTimer: null};

    function whenText(n) {
      if (n.days_ahead === 0) return t("kiosk.when_today", {time: n.time});
      if (n.days_ahead === 1) return t("kiosk.when_tomorrow", {time: n.time});
      const parts = n.date.split("-");
      return t("kiosk.when_date", {m: +parts[1], d: +parts[2], date: n.date, time: n.time,
                                   weekday: t("kiosk.weekday." + n.weekday)});
    }

    /** The sentence for "not now": when numbers are issued again. */
    function closedText() {
      const s = H.status;
      if (!s || s.taking_tickets) return "";
      return s.next_open ? t("kiosk.closed_banner", {when: whenText(s.next_open)}) : t("kiosk.closed_banner_unknown");
    }

    function renderClosed() {
      $("k-hours").textContent = QHHours.line(H.status);
      const box = $("k-closed");
      const text = closedText();
      box.hidden = !text;
      box.textContent = text;
      // 延时/错时服务 today: which items, when, at which windows (the one running now marked)
      const ext = $("k-extended"), lines = QHHours.extended(H.status);
      ext.hidden = !lines.length;
      ext.replaceChildren.apply(ext, lines.map(function (l) {
        return QH.el("div", {class: "k-extended-line" + (l.now ? " is-now" : ""), "data-kind": l.kind, text: l.text});
      }));
    }

    async function loadStatus() {
      const r = await QH.api("/hall-status");
      if (!r.ok) return;
      H.status = r.body;
      renderClosed();
      clearTimeout(H.openTimer);
      const next = r.body.next_open && Date.parse(r.body.next_open.at);
      const wait = next ? next - Date.now() + 1500 : 0;
      // look again right after the hall opens (the 30 s refresh would do too, but late)
      if (wait > 0 && wait < 86400000) H.openTimer = setTimeout(loadStatus, wait);
      hooks.onChange();
    }

    // ---- the kiosk's own printer -----------------------------------------------------------
    function renderPrinter() {
      const p = H.printer;
      const down = $("k-printer-down"), low = $("k-printer-low");
      const isDown = !!p && (p.online === false || p.paper === "out");
      down.hidden = !isDown;
      down.textContent = isDown ? t(p.paper === "out" ? "kiosk.printer_down.paper" : "kiosk.printer_down.offline") : "";
      down.dataset.reason = isDown ? (p.paper === "out" ? "paper" : "offline") : "";
      const isLow = !!p && !isDown && p.paper === "low";
      low.hidden = !isLow;
      low.textContent = isLow ? t("kiosk.printer_low") : "";
    }

    async function loadPrinter() {
      const r = await QH.api("/kiosk/printer");
      if (!r.ok) return;
      H.printer = r.body.printer;
      renderPrinter();
    }

    /** A `printer.status` push: for this kiosk when it names no device or names ours; fields may grow. */
    function onPrinterStatus(p) {
      if (!p || typeof p !== "object") return;
      const dev = p.device_id !== undefined ? p.device_id : (p.device && p.device.id);
      if (dev !== undefined && dev !== null && String(dev) !== String(cfg.deviceId)) return;
      const st = p.printer && typeof p.printer === "object" ? p.printer : p;
      const next = Object.assign({}, H.printer || {});
      ["online", "paper", "error"].forEach(function (k) { if (k in st) next[k] = st[k]; });
      H.printer = next;
      renderPrinter();
    }

    return {
      loadStatus: loadStatus,
      loadPrinter: loadPrinter,
      onPrinterStatus: onPrinterStatus,
      closedText: closedText,
      whenText: whenText,
      taking: function () { return !H.status || H.status.taking_tickets !== false; },
    };
  };
})();
