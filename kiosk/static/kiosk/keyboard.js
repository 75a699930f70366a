/* On-screen keys for the kiosk: letters for search, a digit pad for confirmation codes.
   Keys are plain buttons, so touch, mouse and tests all press them the same way. */
(function () {
  "use strict";
  const LETTERS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

  function key(ch, label, cls, onPress) {
    return QH.el("button", {type: "button", class: "kb-key" + (cls ? " " + cls : ""), "data-key": ch, text: label,
      onclick: onPress});
  }

  /** A letter keyboard in `box`; opts: {onKey(ch), onBackspace(), onClear(), space: bool (adds a space bar)}. */
  function build(box, opts) {
    box.textContent = "";
    LETTERS.forEach(function (row, i) {
      const r = QH.el("div", {class: "kb-row"});
      row.split("").forEach(function (ch) {
        r.appendChild(key(ch, ch.toUpperCase(), "", function () { opts.onKey(ch); }));
      });
      if (i === LETTERS.length - 1) {
        r.appendChild(key("backspace", "⌫ " + QH.t("kiosk.backspace"), "kb-wide", function () { opts.onBackspace(); }));
      }
      box.appendChild(r);
    });
    const last = QH.el("div", {class: "kb-row"});
    if (opts.space) last.appendChild(key(" ", QH.t("kiosk.space"), "kb-space", function () { opts.onKey(" "); }));
    last.appendChild(key("clear", QH.t("kiosk.clear"), "kb-wide", function () { opts.onClear(); }));
    box.appendChild(last);
  }

  /** A telephone-style digit pad in `box`; opts as for build(). */
  function buildKeypad(box, opts) {
    box.textContent = "";
    ["123", "456", "789"].forEach(function (row) {
      const r = QH.el("div", {class: "kb-row"});
      row.split("").forEach(function (ch) { r.appendChild(key(ch, ch, "kb-digit", function () { opts.onKey(ch); })); });
      box.appendChild(r);
    });
    const last = QH.el("div", {class: "kb-row"});
    last.appendChild(key("clear", QH.t("kiosk.clear"), "kb-digit kb-fn", function () { opts.onClear(); }));
    last.appendChild(key("0", "0", "kb-digit", function () { opts.onKey("0"); }));
    const back = key("backspace", "⌫", "kb-digit kb-fn", function () { opts.onBackspace(); });
    back.setAttribute("aria-label", QH.t("kiosk.backspace"));
    last.appendChild(back);
    box.appendChild(last);
  }

  window.QHKeyboard = {build: build, buildKeypad: buildKeypad};
})();
