/* 预约取号 at the kiosk (issue 19): the visitor types the eight-digit booking code, or swipes the
   ID card on the reader (its agent sends the page a masked, signed card), and gets a ticket
   marked as booked. Too early: told when check-in opens. Too late: told why, and offered
   an ordinary ticket of the same item. */
(function () {
  "use strict";
  const DIGITS = 8;

  /** hooks: {busy(on), done(ticket), serviceName(id), takeOrdinary(serviceId), fail(res)} */
  window.QHKioskBooking = function (hooks) {
    const t = QH.t;
    const $ = function (id) { return document.getElementById(id); };
    const B = {code: "", lateService: null};

    function renderCode() {
      const box = $("k-bcode");
      box.textContent = "";
      for (let i = 0; i < DIGITS; i++) {
        box.appendChild(QH.el("span", {class: "k-code-cell" + (i === B.code.length ? " next" : ""),
                                       text: B.code[i] || ""}));
      }
      box.dataset.value = B.code;
    }

    function error(text) { $("k-booking-error").textContent = text || ""; }

    function open() {
      B.code = ""; B.lateService = null;
      error("");
      $("k-booking-ordinary").hidden = true;
      renderCode();
      $("m-booking").hidden = false;
    }

    function close() { B.code = ""; renderCode(); $("k-booking-card").textContent = ""; $("m-booking").hidden = true; }

    function hhmm(iso) { return iso ? iso.slice(11, 16) : ""; }

    async function confirm() {
      if (B.code.length !== DIGITS) { error(t("kiosk.booking.need_code")); return; }
      await checkIn({code: B.code});
    }

    /** A card the reader agent swiped (`idcard.card`): masked name and number, and a signed card. */
    async function card(c) {
      if ($("m-booking").hidden) open();
      $("k-booking-card").textContent = t("kiosk.booking.card_read", {name: c.name, number: c.number});
      await checkIn({card: c.card});
    }

    async function checkIn(body) {
      hooks.busy(true);
      const res = await QH.api("/appointments/check-in", {body: body});
      hooks.busy(false);
      if (res.ok) { close(); hooks.done(res.body); return; }
      const err = (res.body && res.body.error) || {};
      B.code = ""; renderCode();
      if (err.code === "too_early") { error(t("kiosk.booking.too_early", {time: hhmm(err.opens_at)})); return; }
      if (err.code === "too_late") {
        B.lateService = err.service_id;
        error(t("kiosk.booking.too_late", {time: hhmm(err.start)}));
        $("k-booking-ordinary").hidden = false;
        return;
      }
      if (res.status === 404) { error(t(body.card ? "kiosk.booking.no_card_booking" : "kiosk.booking.not_found")); return; }
      if (err.code === "conflict") { error(t("kiosk.booking.used")); return; }
      close();
      hooks.fail(res);
    }

    function wire() {
      QHKeyboard.buildKeypad($("k-bkeypad"), {
        onKey: function (ch) { if (B.code.length < DIGITS) { B.code += ch; renderCode(); error(""); } },
        onBackspace: function () { B.code = B.code.slice(0, -1); renderCode(); },
        onClear: function () { B.code = ""; renderCode(); },
      });
      $("k-booking-cancel").addEventListener("click", close);
      $("k-booking-ok").addEventListener("click", confirm);
      $("k-booking-ordinary").addEventListener("click", function () {
        const sid = B.lateService;
        close();
        if (sid) hooks.takeOrdinary(sid);
      });
      $("k-open-booking").addEventListener("click", open);
    }

    wire();
    return {open: open, close: close, card: card};
  };
})();
