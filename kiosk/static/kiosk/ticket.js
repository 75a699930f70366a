/* The kiosk's on-screen ticket: number, item, people ahead, estimate, QR code and the print state
   (from `print.updated`, with a slow poll as a fallback). */
(function () {
  "use strict";

  /** hooks: {show(screen)}. */
  window.QHKioskTicket = function (hooks) {
    const t = QH.t;
    const $ = function (id) { return document.getElementById(id); };
    let current = null, poll = null;
    let heard = 0;  // events heard so far: a poll answer sent before the latest event is older than it

    function renderPrint(state) {
      const box = $("k-print");
      const key = state ? "kiosk.print." + state : "kiosk.print.none";
      box.textContent = t(key);
      box.className = "k-print k-print-" + (state || "none");
      box.dataset.state = state || "none";
      document.querySelector(".k-ticket").classList.toggle("k-ticket-failed", state === "failed" || !state);
    }

    async function refresh() {
      const tk = current;
      if (!tk) return;
      const asked = heard;
      const res = await Promise.all([QH.api("/tickets/" + tk.id), QH.api("/public/tickets/" + encodeURIComponent(tk.public_id))]);
      if (current !== tk) return;
      if (res[0].ok && asked === heard) { tk.print_state = res[0].body.print_state; renderPrint(tk.print_state); }
      if (res[1].ok) {
        const p = res[1].body;
        $("k-t-ahead").textContent = t("kiosk.ahead_n", {n: p.waiting_ahead});
        $("k-t-wait").textContent = QHWait.text(p);
      }
    }

    function show(tk, itemName) {
      current = tk;
      $("k-t-number").textContent = tk.number;
      $("k-t-item").textContent = itemName;
      const prio = $("k-t-prio");
      prio.hidden = tk.priority === "normal";
      prio.textContent = tk.priority === "normal" ? "" : t("status.priority." + tk.priority);
      $("k-t-ahead").textContent = t("kiosk.ahead_n", {n: tk.waiting_ahead});
      $("k-t-wait").textContent = "…";
      $("k-t-qr").src = "/kiosk/qr/" + encodeURIComponent(tk.public_id) + ".svg";
      renderPrint(tk.print_state);
      hooks.show("ticket");
      refresh();
      clearInterval(poll);
      let polls = 0;
      poll = setInterval(function () {  // fallback when print.updated does not arrive
        polls += 1;
        if (!current || current.print_state !== "queued" || polls > 40) { clearInterval(poll); return; }
        refresh();
      }, 1500);
    }

    function onEvent(evName, p) {
      if (!p || !current) return;
      if (evName === "print.updated" && (p.ticket_id === current.id || p.public_id === current.public_id)) {
        heard += 1;
        current.print_state = p.print_state;
        renderPrint(p.print_state);
      } else if (evName === "ticket.updated" && p.ticket && p.ticket.id === current.id) {
        heard += 1;
        current.print_state = p.ticket.print_state;
        renderPrint(p.ticket.print_state);
      }
    }

    function clear() { current = null; clearInterval(poll); }

    return {show: show, refresh: refresh, onEvent: onEvent, clear: clear, current: function () { return current; }};
  };
})();
