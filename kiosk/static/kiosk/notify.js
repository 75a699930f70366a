/* "到号前短信提醒我" on the kiosk's ticket screen (issue 19): a checkbox; ticking it asks for the
   phone on a digit pad; once sent, the number shows masked (138****5678) and the visitor is texted
   before their turn. Nothing is stored on the kiosk: the phone goes to the server and is cleared. */
(function () {
  "use strict";
  const DIGITS = 11;

  function mask(p) { return p.length === DIGITS ? p.slice(0, 3) + "****" + p.slice(7) : p; }

  /** hooks: {busy(on), ticket() -> the ticket on screen} */
  window.QHKioskNotify = function (hooks) {
    const t = QH.t;
    const $ = function (id) { return document.getElementById(id); };
    const N = {phone: ""};

    function render() {
      const box = $("k-nphone");
      box.textContent = "";
      for (let i = 0; i < DIGITS; i++) {
        box.appendChild(QH.el("span", {class: "k-code-cell k-phone-cell" + (i === N.phone.length ? " next" : ""),
                                       text: N.phone[i] || ""}));
      }
      box.dataset.value = N.phone;
    }

    function error(text) { $("k-notify-error").textContent = text || ""; }

    /** A new ticket on screen: the box unticked, nothing remembered of the last visitor. */
    function reset() {
      N.phone = ""; render(); error("");
      const box = $("k-t-notify-check");
      box.checked = false; box.disabled = false;
      $("k-t-notify-state").textContent = "";
      $("k-t-notify").classList.remove("k-notify-on");
      $("m-notify").hidden = true;
    }

    function open() { N.phone = ""; render(); error(""); $("m-notify").hidden = false; }

    function cancel() {
      N.phone = ""; render();
      $("m-notify").hidden = true;
      const box = $("k-t-notify-check");
      if (!box.disabled) box.checked = false;
    }

    async function confirm() {
      const tk = hooks.ticket();
      if (!tk) { cancel(); return; }
      if (N.phone.length !== DIGITS || N.phone[0] !== "1") { error(t("kiosk.notify.need_phone")); return; }
      hooks.busy(true);
      const res = await QH.api("/tickets/" + tk.id + "/notify", {body: {phone: N.phone}});
      hooks.busy(false);
      const typed = N.phone;
      N.phone = ""; render();
      if (!res.ok) {
        const err = (res.body && res.body.error) || {};
        error(t(err.code === "conflict" ? "kiosk.notify.too_late" : "kiosk.notify.failed"));
        return;
      }
      $("m-notify").hidden = true;
      const box = $("k-t-notify-check");
      box.checked = true; box.disabled = true;
      $("k-t-notify").classList.add("k-notify-on");
      $("k-t-notify-state").textContent = t("kiosk.notify.on", {phone: res.body.phone || mask(typed)});
    }

    function wire() {
      QHKeyboard.buildKeypad($("k-nkeypad"), {
        onKey: function (ch) { if (N.phone.length < DIGITS) { N.phone += ch; render(); error(""); } },
        onBackspace: function () { N.phone = N.phone.slice(0, -1); render(); },
        onClear: function () { N.phone = ""; render(); },
      });
      $("k-t-notify-check").addEventListener("change", function (e) { if (e.target.checked) open(); });
      $("k-notify-cancel").addEventListener("click", cancel);
      $("k-notify-ok").addEventListener("click", confirm);
      render();
    }

    wire();
    return {reset: reset, close: cancel};
  };
})();
