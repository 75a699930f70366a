/* 投诉 / 建议 / 咨询 at the kiosk (issue 18). The kiosk has no Chinese input, so the visitor chooses:
   a category, topic chips (common phrases), optionally the department and the window number (digit
   pad), an optional phone number for the call back (digit pad, shown masked once entered) and an
   optional short note in Latin letters. The text sent is composed in the hall's language (Chinese)
   from those choices; the answer shows the complaint's number, its reply deadline and a QR code of
   the page where the reply will be. Posts to the public complaints API with the kiosk's token. */
(function () {
  "use strict";
  const NOTE_MAX = 120, PHONE_MAX = 15, WINDOW_MAX = 3;
  // topic codes per category; their words are kiosk.cmp.topic.<code> (zh and en translation files)
  const TOPICS = {
    complaint: ["wait", "attitude", "slow", "materials", "notice", "runaround", "fees", "facilities", "other"],
    suggestion: ["more_windows", "hours", "simplify", "online", "signs", "facilities", "other"],
    consultation: ["process", "materials_needed", "time_limit", "progress", "fees_q", "other"],
  };

  /** hooks: {departments() -> [{id, name, name_en}], busy(on)} */
  window.QHKioskComplaint = function (hooks) {
    const cfg = window.QH_CONFIG || {};
    const t = QH.t, el = QH.el, en = cfg.locale === "en";
    const zh = cfg.complaintWordsZh || {};  // the record's words: Chinese whatever the screen's language
    const $ = function (id) { return document.getElementById(id); };
    const F = {};
    let pad = null;  // {kind: "window"|"phone", value}
    let note = "";

    function reset() {
      F.category = null; F.topics = []; F.dept = null; F.window = ""; F.phone = ""; F.note = "";
      pad = null; note = "";
      $("m-cpad").hidden = true; $("m-cnote").hidden = true;
      $("k-cmp-qr").removeAttribute("src");
      ["k-cmp-number", "k-cmp-due", "k-cmp-summary"].forEach(function (id) { $(id).textContent = ""; });
      error("");
      render();
    }

    function error(text) { $("k-cmp-error").textContent = text || ""; }

    /** 13812345678 -> 138****5678; short numbers keep their last two digits (as the server masks). */
    function masked(p) {
      if (!p) return "";
      return p.length >= 8 ? p.slice(0, 3) + "****" + p.slice(-4) : "****" + p.slice(-2);
    }

    function deptName(d) { return en && d.name_en ? d.name_en : d.name; }

    function render() {
      document.querySelectorAll("#k-cmp-cats [data-cat]").forEach(function (b) {
        const on = b.dataset.cat === F.category;
        b.classList.toggle("on", on);
        b.setAttribute("aria-checked", on ? "true" : "false");
      });
      const topics = $("k-cmp-topics");
      topics.replaceChildren.apply(topics, F.category ? TOPICS[F.category].map(function (code) {
        const on = F.topics.indexOf(code) >= 0;
        return el("button", {type: "button", class: "k-chip" + (on ? " on" : ""), "data-topic": code,
          "aria-pressed": on ? "true" : "false", text: t("kiosk.cmp.topic." + code),
          onclick: function () { toggleTopic(code); }});
      }) : [el("span", {class: "k-hint", text: t("kiosk.cmp.pick_category")})]);
      const depts = $("k-cmp-depts");
      depts.replaceChildren.apply(depts, hooks.departments().map(function (d) {
        const on = F.dept && F.dept.id === d.id;
        return el("button", {type: "button", class: "k-chip" + (on ? " on" : ""), "data-dept": d.id,
          "aria-pressed": on ? "true" : "false", text: deptName(d),
          onclick: function () { F.dept = on ? null : d; render(); }});
      }));
      $("k-cmp-window-v").textContent = F.window ? t("kiosk.cmp.window_n", {n: F.window}) : t("kiosk.cmp.optional");
      $("k-cmp-phone-v").textContent = F.phone ? masked(F.phone) : t("kiosk.cmp.optional");
      $("k-cmp-note-v").textContent = F.note || t("kiosk.cmp.optional");
      ["window", "phone", "note"].forEach(function (k) { $("k-cmp-" + k).classList.toggle("set", !!F[k]); });
      const phone = cfg.supervisionPhone;
      $("k-cmp-intro").textContent = t("kiosk.cmp.intro") + (phone ? " " + t("kiosk.cmp.supervision", {phone: phone}) : "");
    }

    function toggleTopic(code) {
      const i = F.topics.indexOf(code);
      if (i >= 0) F.topics.splice(i, 1); else F.topics.push(code);
      error("");
      render();
    }

    // ---- the digit pad: window number or phone -------------------------------------------------
    function openPad(kind) {
      pad = {kind: kind, value: kind === "window" ? F.window : F.phone};
      $("k-cpad-title").textContent = t("kiosk.cmp." + kind);
      $("k-cpad-hint").textContent = t("kiosk.cmp." + kind + "_hint");
      $("k-cpad-error").textContent = "";
      renderPad();
      $("m-cpad").hidden = false;
    }
    function renderPad() {
      if (!pad) return;
      $("k-cpad-value").textContent = pad.value || "–";
      $("k-cpad-value").dataset.value = pad.value;
    }
    function closePad(save) {
      if (pad && save) {
        const v = pad.value;
        if (pad.kind === "phone" && v && (v.length < 7 || v.length > PHONE_MAX)) {
          $("k-cpad-error").textContent = t("kiosk.cmp.phone_short");
          return;
        }
        if (pad.kind === "window") F.window = v.replace(/^0+/, ""); else F.phone = v;
      }
      pad = null;
      $("k-cpad-value").textContent = ""; $("k-cpad-value").dataset.value = "";  // no number left on screen
      $("m-cpad").hidden = true;
      render();
    }

    // ---- the note: Latin letters ---------------------------------------------------------------
    function openNote() { note = F.note; renderNote(); $("m-cnote").hidden = false; }
    function renderNote() { $("k-cnote-value").textContent = note || "–"; $("k-cnote-value").dataset.value = note; }
    function closeNote(save) {
      if (save) F.note = note.replace(/\s+/g, " ").trim();
      $("m-cnote").hidden = true;
      render();
    }

    // ---- sending ---------------------------------------------------------------------------------
    function content() {
      const parts = [];
      const w = function (key) { return zh["kiosk.cmp.record." + key] || ""; };
      if (F.topics.length) {
        parts.push(w("topics") + F.topics.map(function (c) { return zh["kiosk.cmp.topic." + c] || c; }).join(w("list_sep")));
      }
      if (F.dept) parts.push(w("dept") + F.dept.name);
      if (F.window) parts.push(w("window").replace("{n}", F.window));
      if (F.note) parts.push(w("note") + F.note);
      return parts.join(w("part_sep"));
    }

    async function send() {
      if (!F.category) { error(t("kiosk.cmp.pick_category")); return; }
      if (!F.topics.length && F.note.length < 2) { error(t("kiosk.cmp.pick_topic")); return; }
      const body = {category: F.category, content: content()};
      if (F.phone) body.phone = F.phone;
      if (F.dept) body.department_id = F.dept.id;
      hooks.busy(true);
      const res = await QH.api("/public/complaints", {body: body});
      hooks.busy(false);
      if (!res.ok) {
        error(res.status === 429 ? t("kiosk.cmp.too_many") : t("kiosk.cmp.failed"));
        return;
      }
      done(res.body);
    }

    function done(c) {
      const summary = [t("kiosk.cmp.cat." + F.category)].concat(F.topics.map(function (x) { return t("kiosk.cmp.topic." + x); }));
      if (F.dept) summary.push(deptName(F.dept));
      if (F.window) summary.push(t("kiosk.cmp.window_n", {n: F.window}));
      if (F.phone) summary.push(t("kiosk.cmp.call_back", {phone: masked(F.phone)}));
      $("k-cmp-number").textContent = c.number;
      $("k-cmp-due").textContent = t("kiosk.cmp.due", {date: c.due});
      $("k-cmp-summary").textContent = summary.join(" · ");
      $("k-cmp-qr").src = "/kiosk/qr/c/" + encodeURIComponent(c.public_id) + ".svg";
      F.phone = "";  // the number went to the hall; nothing of it stays in the page
      hooks.show("complaint-done");
    }

    function open() { reset(); hooks.show("complaint"); }

    function wire() {
      document.querySelectorAll("#k-cmp-cats [data-cat]").forEach(function (b) {
        b.addEventListener("click", function () {
          if (F.category !== b.dataset.cat) { F.category = b.dataset.cat; F.topics = []; }
          error("");
          render();
        });
      });
      $("k-cmp-window").addEventListener("click", function () { openPad("window"); });
      $("k-cmp-phone").addEventListener("click", function () { openPad("phone"); });
      $("k-cmp-note").addEventListener("click", openNote);
      QHKeyboard.buildKeypad($("k-cpad-keys"), {
        onKey: function (ch) {
          if (!pad) return;
          const max = pad.kind === "window" ? WINDOW_MAX : PHONE_MAX;
          if (pad.value.length < max) { pad.value += ch; renderPad(); }
        },
        onBackspace: function () { if (pad) { pad.value = pad.value.slice(0, -1); renderPad(); } },
        onClear: function () { if (pad) { pad.value = ""; renderPad(); } },
      });
      $("k-cpad-cancel").addEventListener("click", function () { closePad(false); });
      $("k-cpad-ok").addEventListener("click", function () { closePad(true); });
      QHKeyboard.build($("k-cnote-keys"), {
        space: true,
        onKey: function (ch) { if (note.length < NOTE_MAX && !(ch === " " && (!note || note.slice(-1) === " "))) { note += ch; renderNote(); } },
        onBackspace: function () { note = note.slice(0, -1); renderNote(); },
        onClear: function () { note = ""; renderNote(); },
      });
      $("k-cnote-cancel").addEventListener("click", function () { closeNote(false); });
      $("k-cnote-ok").addEventListener("click", function () { closeNote(true); });
      $("k-cmp-send").addEventListener("click", send);
      $("k-open-complaint").addEventListener("click", open);
      $("k-cmp-finish").addEventListener("click", function () { hooks.finish(); });
    }

    wire();
    reset();
    return {open: open, reset: reset, render: render};
  };
})();
