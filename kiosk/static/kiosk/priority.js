/* Priority and green-channel numbers at the kiosk: the visitor picks the group and types the
   six-digit one-time code a staff member made for them on the staff page (/caller/codes).
   No staff password is ever typed on the kiosk. */
(function () {
  "use strict";
  const DIGITS = 6;

  /** hooks: {service(), busy(on), done(ticket), fail(res)}: fail handles errors that are not about the code. */
  window.QHKioskPriority = function (hooks) {
    const t = QH.t;
    const $ = function (id) { return document.getElementById(id); };
    const P = {kind: null, priority: null, code: ""};

    function renderCode() {
      const box = $("k-code");
      box.textContent = "";
      for (let i = 0; i < DIGITS; i++) {
        box.appendChild(QH.el("span", {class: "k-code-cell" + (i === P.code.length ? " next" : ""),
                                       text: P.code[i] || ""}));
      }
      box.dataset.value = P.code;
    }

    function error(text) { $("k-priority-error").textContent = text || ""; }

    function open() {
      P.kind = null; P.priority = null; P.code = "";
      error("");
      document.querySelectorAll(".k-kind").forEach(function (b) { b.classList.remove("on"); });
      renderCode();
      $("m-priority").hidden = false;
    }

    function close() { P.code = ""; renderCode(); $("m-priority").hidden = true; }

    function codeError(res) {
      const err = (res.body && res.body.error) || {};
      if (res.status === 429) {
        return t("kiosk.code_err.too_many", {n: err.retry_after || 60});
      }
      if (err.code === "code_wrong_priority") {
        return t("kiosk.code_err.wrong_priority", {kind: t("status.priority." + err.code_priority)});
      }
      if (err.code === "code_invalid") {
        const key = "kiosk.code_err." + (err.reason || "unknown");
        return t(key) !== key ? t(key) : t("kiosk.code_err.unknown");
      }
      return null;
    }

    async function confirm() {
      if (!P.priority) { error(t("kiosk.need_kind")); return; }
      if (P.code.length !== DIGITS) { error(t("kiosk.need_code")); return; }
      const sv = hooks.service();
      hooks.busy(true);
      const res = await QH.api("/kiosk/confirmed-tickets",
        {body: {service_id: sv.id, priority: P.priority, code: P.code, kind: P.kind}});
      hooks.busy(false);
      if (res.ok) { close(); hooks.done(res.body); return; }
      const text = codeError(res);
      if (text) { P.code = ""; renderCode(); error(text); return; }
      close();
      hooks.fail(res);
    }

    function wire() {
      document.querySelectorAll(".k-kind").forEach(function (b) {
        b.addEventListener("click", function () {
          document.querySelectorAll(".k-kind").forEach(function (x) { x.classList.toggle("on", x === b); });
          P.kind = b.dataset.kind; P.priority = b.dataset.priority;
          error("");
        });
      });
      QHKeyboard.buildKeypad($("k-keypad"), {
        onKey: function (ch) { if (P.code.length < DIGITS) { P.code += ch; renderCode(); error(""); } },
        onBackspace: function () { P.code = P.code.slice(0, -1); renderCode(); },
        onClear: function () { P.code = ""; renderCode(); },
      });
      $("k-priority-cancel").addEventListener("click", close);
      $("k-priority-ok").addEventListener("click", confirm);
    }

    wire();
    return {open: open, close: close};
  };
})();
