/* The public booking page (预约): item → its materials (一次性告知) → day and slot → name and phone
   (masked once entered) → code. Cancel with the code and the phone's last four digits. */
(function () {
  "use strict";
  const t = QH.t;
  const cfg = window.QH_CONFIG || {};
  const en = cfg.locale === "en";
  const $ = function (id) { return document.getElementById(id); };
  const B = {items: [], item: null, day: null, slot: null, phone: "", daysAhead: 7, today: null};

  function name(o) { return en && o.name_en ? o.name_en : o.name; }
  function hhmm(iso) { return iso.slice(11, 16); }
  function mask(p) { return p.slice(0, 3) + "****" + p.slice(7); }

  function pick(box, node) {
    Array.prototype.forEach.call(box.children, function (c) { c.classList.toggle("on", c === node); });
  }

  function renderItems() {
    const box = $("bk-items");
    box.textContent = "";
    B.items.forEach(function (it) {
      const b = QH.el("button", {type: "button", "data-service": it.id}, [name(it)]);
      b.addEventListener("click", function () { pick(box, b); chooseItem(it); });
      box.appendChild(b);
    });
  }

  function chooseItem(it) {
    B.item = it; B.slot = null;
    const ol = $("bk-materials");
    ol.textContent = "";
    (it.materials.length ? it.materials : [t("booking.no_materials")]).forEach(function (m) {
      ol.appendChild(QH.el("li", {}, [m]));
    });
    $("bk-step-materials").hidden = false;
    renderDays();
    $("bk-step-slot").hidden = false;
    $("bk-step-form").hidden = true;
  }

  function renderDays() {
    const box = $("bk-days");
    box.textContent = "";
    const start = new Date(B.today + "T00:00:00");
    const ahead = B.item && B.item.days_ahead !== undefined ? B.item.days_ahead : B.daysAhead;  // the item's own limit
    for (let i = 0; i <= ahead; i++) {
      const d = new Date(start.getTime() + i * 86400000);
      const iso = d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
      const label = (d.getMonth() + 1) + "/" + d.getDate() + " " + t("booking.weekday." + d.getDay());
      const b = QH.el("button", {type: "button", "data-day": iso}, [label]);
      b.addEventListener("click", function () { pick(box, b); chooseDay(iso); });
      box.appendChild(b);
    }
    $("bk-slots").textContent = "";
  }

  async function chooseDay(iso) {
    B.day = iso; B.slot = null;
    const res = await QH.api("/public/services/" + B.item.id + "/slots?date=" + iso);
    const box = $("bk-slots");
    box.textContent = "";
    const items = res.ok ? res.body.items : [];
    $("bk-no-slots").hidden = items.length > 0;
    items.forEach(function (s) {
      const b = QH.el("button", {type: "button", "data-start": s.start}, [hhmm(s.start) + "–" + hhmm(s.end),
        QH.el("small", {}, [s.left > 0 ? t("booking.left", {n: s.left}) : t("booking.full")])]);
      b.disabled = s.left <= 0;
      b.addEventListener("click", function () { pick(box, b); chooseSlot(s); });
      box.appendChild(b);
    });
  }

  function chooseSlot(s) {
    B.slot = s;
    $("bk-step-form").hidden = false;
    summary();
  }

  function summary() {
    if (!B.slot) return;
    $("bk-summary").textContent = t("booking.summary", {item: name(B.item), day: B.day,
      time: hhmm(B.slot.start) + "–" + hhmm(B.slot.end), phone: B.phone ? mask(B.phone) : "—"});
  }

  // the phone is shown masked once entered; focusing the field starts it again
  $("bk-phone").addEventListener("blur", function () {
    const v = this.value.replace(/\D/g, "");
    if (/^1\d{10}$/.test(v)) { B.phone = v; this.value = mask(v); this.dataset.masked = "1"; }
    summary();
  });
  $("bk-phone").addEventListener("focus", function () {
    if (this.dataset.masked) { this.value = ""; this.dataset.masked = ""; B.phone = ""; summary(); }
  });

  $("bk-read").addEventListener("change", function () { $("bk-error").hidden = true; });

  function fail(text) { const e = $("bk-error"); e.textContent = text; e.hidden = false; }

  $("bk-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    $("bk-error").hidden = true;
    if (!B.slot) { fail(t("booking.need_slot")); return; }
    const nm = $("bk-name").value.trim();
    if (!nm) { fail(t("booking.need_name")); return; }
    if (!B.phone) { fail(t("booking.need_phone")); return; }
    if (!$("bk-read").checked) { fail(t("booking.need_read")); return; }
    const res = await QH.api("/public/appointments", {body: {service_id: B.item.id, start: B.slot.start, name: nm,
                                                             phone: B.phone, notify: $("bk-notify").checked}});
    if (!res.ok) {
      const code = res.body && res.body.error && res.body.error.code;
      fail(code === "slot_full" ? t("booking.err.slot_full") : res.status === 429 ? t("booking.err.limit") : QH.errorText(res));
      if (code === "slot_full") chooseDay(B.day);
      return;
    }
    $("bk-code").textContent = res.body.code;
    $("bk-done-text").textContent = t("booking.done", {item: name(B.item), day: B.day,
      time: hhmm(res.body.start) + "–" + hhmm(res.body.end), phone: res.body.phone});
    ["bk-step-item", "bk-step-materials", "bk-step-slot", "bk-step-form"].forEach(function (id) { $(id).hidden = true; });
    $("bk-code-hint").textContent = t("booking.code_hint", {early: B.early, late: B.late});
    $("bk-done").hidden = false;
    $("bk-done").scrollIntoView();
  });

  $("bk-cancel-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const code = $("bk-c-code").value.trim(), last4 = $("bk-c-last4").value.trim();
    const res = await QH.api("/public/appointments/" + encodeURIComponent(code) + "?phone_last4=" + encodeURIComponent(last4),
                             {method: "DELETE"});
    $("bk-cancel-result").textContent = res.ok ? t("booking.cancelled") : res.status === 404 ? t("booking.err.not_found")
      : res.status === 429 ? t("booking.err.too_many") : QH.errorText(res);
  });

  (async function init() {
    const res = await QH.api("/public/bookable-services");
    if (!res.ok) { fail(QH.errorText(res)); return; }
    B.items = res.body.items; B.daysAhead = res.body.days_ahead; B.today = res.body.today;
    B.early = res.body.checkin_early_min; B.late = res.body.checkin_late_min;
    renderItems();
  })();
})();
