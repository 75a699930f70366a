/* Admin pages: one generic list + form renderer driven by a section description.
   Every change goes through the public API (QH.api); the server validates and names the field. */
(function () {
  "use strict";
  const cfg = window.QH_CONFIG || {};
  const t = QH.t, el = QH.el;
  const RO = !!cfg.readonly;
  const $ = function (id) { return document.getElementById(id); };

  // ---- small helpers ----------------------------------------------------------------------
  function flash(msg, kind) {
    const f = $("adm-flash");
    if (!f) return;
    f.textContent = msg || "";
    f.className = "adm-flash" + (msg ? " show " + (kind || "ok") : "");
    if (msg && kind !== "error") setTimeout(function () { if (f.textContent === msg) flash(""); }, 4000);
  }
  async function upload(path, file) {
    const fd = new FormData();
    fd.append("file", file);
    const headers = {"Accept": "application/json"};
    if (cfg.csrf) headers["X-CSRF-Token"] = cfg.csrf;
    try {
      const r = await fetch((cfg.apiBase || "/api/v1") + path, {method: "POST", body: fd, headers: headers,
                                                                  credentials: "same-origin"});
      let b = null;
      try { b = await r.json(); } catch (e) { b = null; }
      if (r.status === 413) b = {error: {code: "too_large", message: t("admin.too_large"), field: "file"}};
      return {ok: r.ok, status: r.status, body: b};
    } catch (e) {
      return {ok: false, status: 0, body: {error: {code: "network", message: String(e)}}};
    }
  }
  async function items(path) {
    const r = await QH.api(path);
    if (!r.ok) throw r;
    return r.body.items;
  }
  function fmtTime(iso) {
    if (!iso) return t("admin.never");
    return QH.hallTime(iso);
  }
  function yesNo(v) { return el("span", {class: v ? "adm-on" : "adm-off", text: v ? t("admin.active") : t("admin.inactive")}); }
  function opt(value, label) { return {value: value, label: label}; }
  function getPath(obj, path) { return path.split(".").reduce(function (o, k) { return o == null ? undefined : o[k]; }, obj); }
  function setPath(obj, path, v) {
    const ks = path.split(".");
    let o = obj;
    ks.slice(0, -1).forEach(function (k) { o = o[k] = o[k] || {}; });
    o[ks[ks.length - 1]] = v;
  }
  function label(field) { return t("admin.f." + field); }
  // a department's, item's or window's name in the page's language: its English name in English
  // where the hall gave one (the form still edits both)
  const EN = cfg.locale === "en";
  function named(x) { return x ? (EN && x.name_en) || x.name || "" : ""; }
  function nameCol(v, row) { return named(row); }

  // ---- modal -------------------------------------------------------------------------------
  function openModal(title, body) {
    $("adm-modal-title").textContent = title;
    const b = $("adm-modal-body");
    b.replaceChildren(body);
    $("adm-modal").hidden = false;
    const first = b.querySelector("input:not([type=hidden]),select,textarea");
    if (first) first.focus();
  }
  function closeModal() { $("adm-modal").hidden = true; $("adm-modal-body").replaceChildren(); }
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && $("adm-modal")) closeModal(); });

  /** Show a secret (device token, generated password) once, with a copy button. */
  function showSecret(title, note, value) {
    const input = el("input", {class: "adm-secret", id: "secret-value", readonly: "readonly", value: value});
    const box = el("div", {}, [
      el("p", {class: "adm-warn", text: note}), input,
      el("div", {class: "adm-row-btns"}, [
        el("button", {type: "button", class: "adm-btn", text: t("admin.copy"), onclick: function () {
          input.select();
          if (navigator.clipboard) navigator.clipboard.writeText(value).catch(function () {});
          else document.execCommand("copy");
        }}),
        el("button", {type: "button", class: "adm-btn adm-primary", id: "secret-done", text: t("admin.done"),
                      onclick: function () { closeModal(); reload(); }}),
      ]),
    ]);
    openModal(title, box);
  }

  // ---- form fields -------------------------------------------------------------------------
  // spec: {name, type: text|number|bool|select|textarea|lines|weights|checklist|media|photo, ...}
  function fieldInput(f, value, ctx) {
    const id = "f-" + f.name.replace(/\./g, "-");
    if (f.type === "bool") {
      return el("input", {type: "checkbox", id: id, "data-input": f.name}, []);
    }
    if (f.type === "select") {
      const s = el("select", {id: id, "data-input": f.name});
      (typeof f.options === "function" ? f.options(ctx) : f.options).forEach(function (o) {
        s.appendChild(el("option", {value: o.value === null ? "" : String(o.value), text: o.label}));
      });
      return s;
    }
    if (f.type === "textarea" || f.type === "lines") {
      return el("textarea", {id: id, "data-input": f.name, rows: f.rows || 3});
    }
    if (f.type === "weights") {
      const wrap = el("div", {class: "adm-checklist", id: id, "data-input": f.name});
      ctx.services.forEach(function (sv) {
        const cur = (value || []).find(function (x) { return x.service_id === sv.id; });
        const cb = el("input", {type: "checkbox", "data-sid": String(sv.id), id: id + "-" + sv.id});
        cb.checked = !!cur;
        const w = el("input", {type: "number", min: "1", max: "10", class: "adm-weight", "data-weight": String(sv.id),
                               value: String(cur ? cur.weight : 5), title: t("admin.f.weight")});
        wrap.appendChild(el("div", {class: "adm-check"}, [
          el("label", {for: id + "-" + sv.id}, [cb, " " + sv.prefix + " · " + sv.name + (sv.active ? "" : " (" + t("admin.inactive") + ")")]),
          el("span", {class: "adm-weight-label", text: t("admin.f.weight")}), w]));
      });
      return wrap;
    }
    if (f.type === "checklist") {
      const wrap = el("div", {class: "adm-checklist", id: id, "data-input": f.name});
      f.options(ctx).forEach(function (o) {
        const cb = el("input", {type: "checkbox", "data-value": String(o.value), id: id + "-" + o.value});
        cb.checked = (value || []).indexOf(o.value) >= 0;
        wrap.appendChild(el("div", {class: "adm-check"}, [el("label", {for: id + "-" + o.value}, [cb, " " + o.label])]));
      });
      return wrap;
    }
    if (f.type === "hours") {
      const wrap = el("div", {class: "adm-hours", id: id, "data-input": f.name});
      DAYS.forEach(function (d) {
        wrap.appendChild(el("label", {class: "adm-hours-day"}, [el("span", {text: t("admin.f.hours." + d)}),
          el("input", {"data-day": d, id: id + "-" + d, placeholder: d === "mon" ? t("admin.hours_example") : "",
                       value: hoursText((value || {})[d])})]));
      });
      return wrap;
    }
    if (f.type === "media" || f.type === "photo") {
      const hidden = el("input", {type: "hidden", "data-input": f.name});
      const preview = el("div", {class: "adm-preview"});
      const file = el("input", {type: "file", id: id, accept: f.type === "photo" ? "image/*" : "image/*,video/mp4,video/webm"});
      const status = el("span", {class: "adm-muted"});
      function show(url) {
        preview.replaceChildren();
        if (!url) return;
        preview.appendChild(/\.(mp4|webm)$/.test(url) ? el("video", {src: url, controls: "controls"}) : el("img", {src: url, alt: ""}));
      }
      show(value);
      if (f.type === "media") {
        file.addEventListener("change", async function () {
          if (!file.files.length) return;
          status.textContent = t("admin.uploading");
          const isVideo = /^video\//.test(file.files[0].type);
          const r = await upload("/admin/uploads" + (isVideo ? "?video=1" : ""), file.files[0]);
          status.textContent = "";
          if (!r.ok) { markError(file.closest("form"), r); return; }
          hidden.value = r.body.url;
          show(r.body.url);
        });
      }
      return el("div", {class: "adm-media"}, [hidden, preview, file, status]);
    }
    const input = el("input", {id: id, "data-input": f.name, type: f.type || "text"});
    if (f.min !== undefined) input.setAttribute("min", String(f.min));
    if (f.max !== undefined) input.setAttribute("max", String(f.max));
    if (f.placeholder) input.setAttribute("placeholder", f.placeholder);
    return input;
  }

  function setValue(form, f, value) {
    const node = form.querySelector('[data-input="' + f.name + '"]');
    if (!node) return;
    if (f.type === "bool") node.checked = value === undefined ? (f.default !== undefined ? f.default : true) : !!value;
    else if (f.type === "lines") node.value = (value || []).join("\n");
    else if (f.type === "weights" || f.type === "checklist" || f.type === "hours") return;
    else if (f.type === "select" && value === undefined) return;  // keep the first option
    else node.value = value === null || value === undefined ? (f.default !== undefined ? String(f.default) : "") : String(value);
  }

  function getValue(form, f) {
    const node = form.querySelector('[data-input="' + f.name + '"]');
    if (f.type === "bool") return node.checked;
    if (f.type === "lines") return node.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
    if (f.type === "weights") {
      return Array.from(node.querySelectorAll("input[data-sid]")).filter(function (c) { return c.checked; }).map(function (c) {
        const w = node.querySelector('input[data-weight="' + c.getAttribute("data-sid") + '"]');
        return {service_id: Number(c.getAttribute("data-sid")), weight: Number(w.value || 5)};
      });
    }
    if (f.type === "checklist") {
      return Array.from(node.querySelectorAll("input[data-value]")).filter(function (c) { return c.checked; })
        .map(function (c) { return Number(c.getAttribute("data-value")); });
    }
    if (f.type === "hours") {
      const hours = {};
      node.querySelectorAll("input[data-day]").forEach(function (i) {
        const spans = parseHours(i.value);
        if (spans.length) hours[i.getAttribute("data-day")] = spans;
      });
      return hours;
    }
    if (f.type === "photo") return undefined;
    if (f.type === "media") return node.value || null;
    if (f.type === "number") return node.value === "" ? (f.nullable ? null : undefined) : Number(node.value);
    if (f.type === "select" && f.numeric) return node.value === "" ? null : Number(node.value);
    if (f.nullable && node.value.trim() === "") return null;
    return node.value;
  }

  function clearErrors(form) {
    form.querySelectorAll(".adm-field.has-error").forEach(function (n) { n.classList.remove("has-error"); });
    form.querySelectorAll(".adm-field-error").forEach(function (n) { n.textContent = ""; });
    const g = form.querySelector(".adm-form-error");
    if (g) g.textContent = "";
  }

  /** The refusal in the page's language: error.reason.<code> with its parameters, else the error code's text. */
  function reasonText(reason, params, fallback) {
    const key = "error.reason." + reason;
    const p = Object.assign({}, params || {});
    if (p.expected !== undefined) p.expected = String(p.expected).replace(/'/g, "");
    const s = reason ? t(key, p) : key;
    return s === key ? fallback : s;
  }
  /** The label of a field named by the API ("hours.tue" -> "办理时段 · 周二", "holidays.1" -> 节假日). */
  function fieldLabel(name) {
    const parts = String(name || "").split(".");
    for (let n = parts.length; n > 0; n--) {
      const key = "admin.f." + parts.slice(0, n).join(".");
      if (t(key) !== key) return t(key);
    }
    return name || "";
  }
  function errorMessage(res) {
    const err = (res.body && res.body.error) || {};
    return reasonText(err.reason, err.params, QH.errorText(res));
  }
  /** Put the API's error next to the field it names (field "disclosure.materials.0" -> disclosure.materials). */
  function markError(form, res) {
    const err = (res.body && res.body.error) || {};
    const fieldName = err.field || "";
    let box = null;
    const parts = fieldName.split(".");
    for (let n = parts.length; n > 0 && !box; n--) {
      box = form.querySelector('.adm-field[data-field="' + parts.slice(0, n).join(".") + '"]');
    }
    const msg = errorMessage(res);
    if (box) {
      box.classList.add("has-error");
      box.querySelector(".adm-field-error").textContent = msg;
      const inp = box.querySelector("input,select,textarea");
      if (inp) inp.focus();
    }
    const g = form.querySelector(".adm-form-error");
    if (g) g.textContent = (fieldName ? fieldLabel(fieldName) + "：" : "") + msg;
  }

  // ---- sections ----------------------------------------------------------------------------
  const MODES = ["instant", "promised", "joint", "agency"];
  const KINDS = ["normal", "comprehensive", "green", "consulting"];
  const ROLES = ["clerk", "supervisor", "admin"];
  const DEVICE_KINDS = ["kiosk", "display", "announcer", "evaluator", "printer"];
  const PUB_KINDS = ["text", "image", "video"];
  const SCREENS = ["hall", "windows", "all", "devices"];
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  function hoursText(spans) { return (spans || []).map(function (s) { return s.join("-"); }).join(", "); }
  function parseHours(text) {
    return text.split(/[,，;；\s]+/).filter(Boolean).map(function (p) { return p.split(/[-–~～]/).map(function (x) { return x.trim(); }); });
  }
  function hoursSummary(hours) {
    return DAYS.filter(function (d) { return hours && hours[d] && hours[d].length; })
      .map(function (d) { return t("admin.f.hours." + d) + " " + hoursText(hours[d]); }).join("；");
  }
  function scheduleText(p) {
    const parts = [];
    if (p.starts_on || p.ends_on) parts.push((p.starts_on || "…") + " – " + (p.ends_on || "…"));
    if (p.daily_from) parts.push(t("admin.daily", {from: p.daily_from, to: p.daily_to}));
    return parts.length ? parts.join("，") : t("admin.always");
  }
  const optsOf = function (list, prefix) { return list.map(function (k) { return opt(k, t(prefix + k)); }); };

  const SECTIONS = {
    departments: {
      list: "/admin/departments", base: "/departments", noun: "department",
      columns: [["code"], ["name", nameCol], ["short_name"], ["sort"], ["active", yesNo]],
      fields: [{name: "name"}, {name: "code"}, {name: "name_en"}, {name: "short_name"},
               {name: "sort", type: "number", default: 0}, {name: "active", type: "bool"}],
    },
    services: {
      list: "/admin/services", base: "/services", noun: "service", needs: ["departments"],
      columns: [["code"], ["prefix"], ["name", nameCol], ["department", function (v) { return named(v); }],
                ["handling", function (v) { return t("admin.mode." + v); }], ["promised_days"],
                ["daily_cap", function (v) { return v === null ? "—" : String(v); }],
                ["hours", function (v) { return hoursSummary(v) || t("admin.hall_hours"); }], ["active", yesNo]],
      fields: [
        {name: "department_id", type: "select", numeric: true, options: function (c) { return c.departments.map(function (d) { return opt(d.id, named(d)); }); }},
        {name: "name"}, {name: "name_en"}, {name: "code"}, {name: "prefix", placeholder: "A"},
        {name: "handling", type: "select", options: optsOf(MODES, "admin.mode.")},
        {name: "promised_days", type: "number", min: 0, max: 365, default: 0},
        {name: "daily_cap", type: "number", min: 1, nullable: true},
        {name: "expected_service_min", type: "number", min: 1, max: 600, default: 10},
        {name: "wait_threshold_min", type: "number", min: 1, max: 600, default: 30},
        {name: "needs_consult", type: "bool", default: false}, {name: "sort", type: "number", default: 0},
        {name: "active", type: "bool"},
        {name: "hours", type: "hours", group: "service_hours", hint: "admin.service_hours_hint"},
        {name: "disclosure.basis", type: "textarea", group: "disclosure"},
        {name: "disclosure.conditions", type: "textarea", group: "disclosure"},
        {name: "disclosure.materials", type: "lines", rows: 4, group: "disclosure"},
        {name: "disclosure.procedure", type: "lines", rows: 4, group: "disclosure"},
        {name: "disclosure.time_limit", group: "disclosure"}, {name: "disclosure.fees", group: "disclosure"},
        {name: "disclosure.basis_en", type: "textarea", group: "disclosure_en"},
        {name: "disclosure.conditions_en", type: "textarea", group: "disclosure_en"},
        {name: "disclosure.materials_en", type: "lines", rows: 4, group: "disclosure_en"},
        {name: "disclosure.procedure_en", type: "lines", rows: 4, group: "disclosure_en"},
        {name: "disclosure.time_limit_en", group: "disclosure_en"}, {name: "disclosure.fees_en", group: "disclosure_en"},
      ],
    },
    windows: {
      list: "/admin/windows", base: "/windows", noun: "window", needs: ["services", "staff", "devices"],
      columns: [["number"], ["name", nameCol], ["kind", function (v) { return t("admin.kind." + v); }],
                ["service_ids", function (v, row, c) {
                  return c.services.filter(function (s) { return v.indexOf(s.id) >= 0; }).map(function (s) {
                    return s.prefix + " " + named(s) + " ×" + row.weights[String(s.id)]; }).join(t("admin.list_sep")); }],
                ["staff_ids", function (v, row, c) {
                  return c.staff.filter(function (s) { return s.window_ids.indexOf(row.id) >= 0; }).map(function (s) { return s.name; }).join(t("admin.name_sep")); }],
                ["devices", function (v, row, c) {
                  return c.devices.filter(function (d) { return d.window_id === row.id; }).map(function (d) { return d.name; }).join(t("admin.name_sep")); }],
                ["active", yesNo]],
      load: function (row, c) {
        return Object.assign({}, row, {
          services: row.service_ids.map(function (id) { return {service_id: id, weight: row.weights[String(id)]}; }),
          staff_ids: c.staff.filter(function (s) { return s.window_ids.indexOf(row.id) >= 0; }).map(function (s) { return s.id; }),
        });
      },
      fields: [
        {name: "number", type: "number", min: 1, max: 9999}, {name: "name"}, {name: "name_en"},
        {name: "kind", type: "select", options: optsOf(KINDS, "admin.kind.")}, {name: "marquee"},
        {name: "active", type: "bool"}, {name: "services", type: "weights"},
        {name: "staff_ids", type: "checklist", options: function (c) {
          return c.staff.filter(function (s) { return s.role === "clerk" || s.window_ids.length; }).map(function (s) {
            return opt(s.id, s.name + " (" + s.username + ")"); }); }},
      ],
    },
    staff: {
      list: "/staff", base: "/staff", noun: "staff", needs: ["windows"],
      columns: [["photo", function (v) { return v ? el("img", {src: v, class: "adm-thumb", alt: ""}) : "—"; }],
                ["username"], ["name"], ["badge"], ["role", function (v) { return t("admin.role." + v); }],
                ["window_numbers", function (v) { return v.join(", "); }], ["active", yesNo]],
      fields: [
        {name: "username", createOnly: true}, {name: "name"}, {name: "badge"},
        {name: "role", type: "select", options: optsOf(ROLES, "admin.role.")},
        {name: "password", type: "password", createOnly: true, hint: "admin.password_hint"},
        {name: "window_ids", type: "checklist", options: function (c) { return c.windows.map(function (w) { return opt(w.id, w.number + " · " + w.name); }); }},
        {name: "photo", type: "photo"}, {name: "active", type: "bool"},
      ],
      extra: [{key: "reset_password", confirm: true, run: async function (row) {
        const r = await QH.api("/staff/" + row.id + "/reset-password", {method: "POST", body: {}});
        if (!r.ok) return flash(QH.errorText(r), "error");
        showSecret(t("admin.new_password_title", {name: row.name}), t("admin.shown_once"), r.body.password);
      }}],
      afterSave: async function (row, form) {
        const file = form.querySelector("#f-photo");
        if (file && file.files.length) {
          const r = await upload("/staff/" + row.id + "/photo", file.files[0]);
          if (!r.ok) { markError(form, r); return false; }
        }
        if (row.password) { showSecret(t("admin.new_password_title", {name: row.name}), t("admin.shown_once"), row.password); return "shown"; }
        return true;
      },
    },
    devices: {
      list: "/devices", base: "/devices", noun: "device", needs: ["windows"],
      columns: [["name"], ["kind", function (v) { return t("admin.device." + v); }],
                ["window_id", function (v, row, c) { const w = c.windows.find(function (x) { return x.id === v; }); return w ? String(w.number) : "—"; }],
                ["printer_url", function (v) { return v || "—"; }], ["last_seen", fmtTime],
                ["printer", function (v, row) { return QHPrinting.cell(row); }],
                ["status", function (v) { const k = Object.keys(v || {}).filter(function (x) { return x !== "printer"; }); return k.length ? k.map(function (x) { return x + ": " + JSON.stringify(v[x]); }).join("; ") : "—"; }],
                ["active", function (v) { return el("span", {class: v ? "adm-on" : "adm-off", text: v ? t("admin.active") : t("admin.revoked")}); }]],
      fields: [
        {name: "name"}, {name: "kind", type: "select", createOnly: true, options: optsOf(DEVICE_KINDS, "admin.device.")},
        {name: "window_id", type: "select", numeric: true, options: function (c) {
          return [opt(null, "—")].concat(c.windows.map(function (w) { return opt(w.id, w.number + " · " + w.name); })); }},
        {name: "printer_url", nullable: true, placeholder: "tcp://192.168.1.50:9100", hint: "admin.print.url_hint"},
        {name: "paper_mm", type: "select", numeric: true, options: [opt(80, t("admin.print.paper_mm.80")), opt(58, t("admin.print.paper_mm.58"))]},
        {name: "ticket_lang", type: "select", options: optsOf(["zh+en", "zh", "en"], "admin.print.lang.")},
        {name: "active", type: "bool"},
      ],
      toggleLabel: ["admin.revoke", "admin.reactivate"],
      extra: [{key: "rotate", confirm: true, run: async function (row) {
        const r = await QH.api("/devices/" + row.id, {method: "PATCH", body: {rotate_token: true}});
        if (!r.ok) return flash(QH.errorText(r), "error");
        showSecret(t("admin.token_title", {name: row.name}), t("admin.token_once"), r.body.token);
      }}],
      afterSave: async function (row) {
        if (row.token) { showSecret(t("admin.token_title", {name: row.name}), t("admin.token_once"), row.token); return "shown"; }
        return true;
      },
    },
    publicity: {
      list: "/admin/publicity", base: "/publicity", noun: "publicity", needs: ["devices", "windows"],
      columns: [["sort"], ["kind", function (v) { return t("admin.pub." + v); }], ["title"],
                ["body", function (v) { return v.length > 60 ? v.slice(0, 60) + "…" : v; }],
                ["media", function (v) { return !v ? "—" : /\.(mp4|webm)$/.test(v) ? t("admin.pub.video") : el("img", {src: v, class: "adm-thumb", alt: ""}); }],
                ["schedule", function (v, row) { return scheduleText(row); }],
                ["screens", function (v, row, c) {
                  if (v !== "devices") return t("admin.screens." + v);
                  return c.devices.filter(function (d) { return row.device_ids.indexOf(d.id) >= 0; }).map(function (d) { return d.name; }).join(t("admin.name_sep")); }],
                ["active", yesNo]],
      fields: [{name: "kind", type: "select", options: optsOf(PUB_KINDS, "admin.pub.")}, {name: "title"},
               {name: "body", type: "textarea", rows: 4}, {name: "media", type: "media"},
               {name: "sort", type: "number", default: 0}, {name: "active", type: "bool"},
               {name: "starts_on", type: "date", nullable: true, group: "schedule"},
               {name: "ends_on", type: "date", nullable: true, group: "schedule"},
               {name: "daily_from", type: "time", nullable: true, group: "schedule"},
               {name: "daily_to", type: "time", nullable: true, group: "schedule", hint: "admin.schedule_hint"},
               {name: "screens", type: "select", options: optsOf(SCREENS, "admin.screens."), group: "screens"},
               {name: "device_ids", type: "checklist", group: "screens", hint: "admin.device_ids_hint", options: function (c) {
                 return c.devices.filter(function (d) { return d.kind === "display"; }).map(function (d) {
                   const w = d.window_id && c.windows.find(function (x) { return x.id === d.window_id; });
                   return opt(d.id, d.name + (w ? " · " + t("common.window_n", {n: w.number}) : " · " + t("admin.screens.hall"))); }); }}],
      order: true,
    },
  };

  // ---- list page ---------------------------------------------------------------------------
  let current = null;
  const data = {};
  const LISTS = {departments: "/admin/departments", services: "/admin/services", windows: "/admin/windows",
                 staff: "/staff", devices: "/devices"};

  async function reload() {
    if (!current) return;
    const sec = SECTIONS[current];
    if (!sec) return;
    try {
      data.rows = await items(sec.list);
      for (const need of sec.needs || []) data[need] = await items(LISTS[need]);
    } catch (res) {
      $("adm-content").replaceChildren(el("p", {class: "adm-error", text: QH.errorText(res)}));
      return;
    }
    renderTable(sec);
  }

  function renderTable(sec) {
    const head = el("tr", {}, sec.columns.map(function (c) { return el("th", {text: label(c[0])}); })
      .concat(RO ? [] : [el("th", {text: t("admin.actions")})]));
    const body = el("tbody");
    data.rows.forEach(function (row, i) {
      const tr = el("tr", {"data-id": String(row.id), class: row.active === false ? "adm-inactive" : ""});
      sec.columns.forEach(function (c) {
        const v = c[1] ? c[1](row[c[0]], row, data) : row[c[0]];
        tr.appendChild(el("td", {"data-col": c[0]}, [typeof v === "object" && v !== null ? v : String(v === null || v === undefined ? "" : v)]));
      });
      if (!RO) tr.appendChild(el("td", {class: "adm-row-btns"}, rowButtons(sec, row, i)));
      body.appendChild(tr);
    });
    const table = el("table", {class: "adm-table", id: "adm-table"}, [el("thead", {}, [head]), body]);
    $("adm-content").replaceChildren(data.rows.length ? table : el("p", {class: "adm-muted", text: t("admin.empty")}));
  }

  function rowButtons(sec, row, i) {
    const btns = [el("button", {type: "button", class: "adm-btn", "data-action": "edit", text: t("admin.edit"),
                                onclick: function () { openForm(sec, row); }})];
    if (sec.order) {
      btns.push(el("button", {type: "button", class: "adm-btn", "data-action": "up", text: "↑", title: t("admin.move_up"),
                              onclick: function () { move(sec, i, -1); }}));
      btns.push(el("button", {type: "button", class: "adm-btn", "data-action": "down", text: "↓", title: t("admin.move_down"),
                              onclick: function () { move(sec, i, 1); }}));
    }
    (sec.extra || []).forEach(function (x) {
      btns.push(el("button", {type: "button", class: "adm-btn", "data-action": x.key, text: t("admin.action." + x.key),
                              onclick: function () { if (!x.confirm || confirm(t("admin.confirm." + x.key, {name: row.name || row.title}))) x.run(row); }}));
    });
    if ("active" in row) {
      const labels = sec.toggleLabel || ["admin.deactivate", "admin.activate"];
      btns.push(el("button", {type: "button", class: "adm-btn", "data-action": "toggle", text: t(row.active ? labels[0] : labels[1]),
                              onclick: async function () {
                                const r = await QH.api(sec.base + "/" + row.id, {method: "PATCH", body: {active: !row.active}});
                                if (!r.ok) return flash(errorMessage(r), "error");
                                flash(t("admin.saved")); reload();
                              }}));
    }
    btns.push(el("button", {type: "button", class: "adm-btn adm-danger", "data-action": "delete", text: t("admin.delete"),
                            onclick: async function () {
                              if (!confirm(t("admin.confirm_delete", {name: row.name || row.title || row.username}))) return;
                              const r = await QH.api(sec.base + "/" + row.id, {method: "DELETE"});
                              if (!r.ok) return flash(errorMessage(r), "error");
                              flash(t("admin.deleted")); reload();
                            }}));
    return btns;
  }

  async function move(sec, i, dir) {
    const j = i + dir;
    if (j < 0 || j >= data.rows.length) return;
    const order = data.rows.slice();
    const tmp = order[i]; order[i] = order[j]; order[j] = tmp;
    for (let k = 0; k < order.length; k++) {
      if (order[k].sort !== k * 10) {
        const r = await QH.api(sec.base + "/" + order[k].id, {method: "PATCH", body: {sort: k * 10}});
        if (!r.ok) return flash(QH.errorText(r), "error");
      }
    }
    reload();
  }

  function openForm(sec, row) {
    const creating = !row;
    const value = row ? (sec.load ? sec.load(row, data) : row) : {};
    const form = el("form", {class: "adm-form", id: "adm-form", novalidate: "novalidate"});
    let group = null;
    sec.fields.forEach(function (f) {
      if (f.createOnly && !creating) return;
      if (f.group && f.group !== group) {
        group = f.group;
        form.appendChild(el("h4", {class: "adm-group", text: t("admin.group." + f.group)}));
      }
      const v = getPath(value, f.name);
      const inp = fieldInput(f, v, data);
      const kids = [el("label", {for: "f-" + f.name.replace(/\./g, "-"), text: label(f.name)}), inp];
      if (f.hint) kids.push(el("small", {class: "adm-muted", text: t(f.hint)}));
      kids.push(el("div", {class: "adm-field-error"}));
      form.appendChild(el("div", {class: "adm-field adm-f-" + (f.type || "text"), "data-field": f.name}, kids));
      setValue(form, f, v);
    });
    form.appendChild(el("p", {class: "adm-form-error adm-error", role: "alert"}));
    form.appendChild(el("div", {class: "adm-row-btns"}, [
      el("button", {type: "submit", class: "adm-btn adm-primary", id: "adm-save", text: t("admin.save")}),
      el("button", {type: "button", class: "adm-btn", text: t("admin.cancel"), onclick: closeModal}),
    ]));
    form.addEventListener("submit", async function (e) {
      e.preventDefault();
      clearErrors(form);
      const body = {};
      sec.fields.forEach(function (f) {
        if (f.createOnly && !creating) return;
        const v = getValue(form, f);
        if (v === undefined || (f.type === "password" && v === "")) return;
        if (f.name === "code" && v === "") return;
        setPath(body, f.name, v);
      });
      const r = await QH.api(creating ? sec.base : sec.base + "/" + row.id, {method: creating ? "POST" : "PATCH", body: body});
      if (!r.ok) return markError(form, r);
      const after = sec.afterSave ? await sec.afterSave(r.body, form) : true;
      if (after === false) return;
      if (after !== "shown") { closeModal(); reload(); }
      flash(t("admin.saved"));
    });
    openModal(t(creating ? "admin.new_" + sec.noun : "admin.edit_" + sec.noun), form);
  }

  // ---- settings ----------------------------------------------------------------------------

  async function renderSettings() {
    const r = await QH.api("/settings");
    if (!r.ok) return $("adm-content").replaceChildren(el("p", {class: "adm-error", text: QH.errorText(r)}));
    const s = r.body;
    const form = el("form", {class: "adm-form adm-card", id: "settings-form", novalidate: "novalidate"});
    function field(name, input) {
      form.appendChild(el("div", {class: "adm-field", "data-field": name}, [
        el("label", {for: input.id, text: label(name)}), input, el("div", {class: "adm-field-error"})]));
      if (RO) input.setAttribute("disabled", "disabled");
    }
    const text = function (name, extra) { const i = el("input", Object.assign({id: "s-" + name, value: s[name] === null ? "" : String(s[name])}, extra || {})); field(name, i); return i; };
    text("name"); text("name_en"); text("announce_template");
    form.appendChild(el("small", {class: "adm-muted", text: t("admin.template_hint")}));
    text("reset_hour", {type: "number", min: "0", max: "23"});
    text("priority_ratio", {type: "number", min: "1", max: "10"});
    text("public_base_url", {placeholder: "http://192.168.1.10:8000"});
    text("voice_repeat", {type: "number", min: "1", max: "3"});
    text("ticket_footer", {placeholder: s.ticket_footer_default || "", maxlength: "200"});
    text("ticket_footer_en", {placeholder: s.ticket_footer_en_default || "", maxlength: "200"});
    const chime = el("input", {type: "checkbox", id: "s-voice_chime"}); chime.checked = s.voice_chime; field("voice_chime", chime);
    text("voice_name", {placeholder: "cmn-latn-pinyin"});
    form.appendChild(el("small", {class: "adm-muted", text: t("admin.voice_hint")}));
    text("voice_rate", {type: "number", min: "80", max: "300"});
    const enforce = el("input", {type: "checkbox", id: "s-enforce_hours"}); enforce.checked = s.enforce_hours; field("enforce_hours", enforce);
    form.appendChild(el("h4", {class: "adm-group", text: t("admin.group.hours")}));
    form.appendChild(el("small", {class: "adm-muted", text: t("admin.hours_hint")}));
    DAYS.forEach(function (d) { field("hours." + d, el("input", {id: "s-hours-" + d, value: hoursText((s.hours || {})[d])})); });
    const hol = el("textarea", {id: "s-holidays", rows: 5}); hol.value = (s.holidays || []).join("\n"); field("holidays", hol);
    form.appendChild(el("p", {class: "adm-form-error adm-error", role: "alert"}));
    if (!RO) form.appendChild(el("div", {class: "adm-row-btns"}, [el("button", {type: "submit", class: "adm-btn adm-primary", id: "settings-save", text: t("admin.save")})]));
    form.addEventListener("submit", async function (e) {
      e.preventDefault();
      clearErrors(form);
      const hours = {};
      DAYS.forEach(function (d) { const spans = parseHours($("s-hours-" + d).value); if (spans.length) hours[d] = spans; });
      const num = function (id) { const v = $(id).value; return v === "" ? null : Number(v); };
      const body = {name: $("s-name").value, name_en: $("s-name_en").value, announce_template: $("s-announce_template").value,
                    reset_hour: num("s-reset_hour"), priority_ratio: num("s-priority_ratio"),
                    public_base_url: $("s-public_base_url").value, voice_repeat: num("s-voice_repeat"),
                    voice_name: $("s-voice_name").value.trim(), voice_rate: num("s-voice_rate"),
                    voice_chime: chime.checked, enforce_hours: enforce.checked, hours: hours,
                    holidays: hol.value.split(/\s+/).filter(Boolean),
                    ticket_footer: $("s-ticket_footer").value, ticket_footer_en: $("s-ticket_footer_en").value};
      const res = await QH.api("/settings", {method: "PATCH", body: body});
      if (!res.ok) return markError(form, res);
      flash(t("admin.saved"));
      preview.reload();  // the ticket shows the saved name and footer
    });
    const preview = QHPrinting.previewPanel();
    $("adm-content").replaceChildren(form, preview.node);
  }

  // ---- catalogue import / export -----------------------------------------------------------
  function renderCatalogue() {
    const out = el("div", {id: "import-result"});
    const file = el("input", {type: "file", id: "import-file", accept: ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"});
    const kids = [el("p", {}, [el("a", {href: (cfg.apiBase || "/api/v1") + "/catalogue.xlsx", class: "adm-btn", id: "export-link", download: "catalogue.xlsx", text: t("admin.export")})])];
    if (!RO) {
      kids.push(el("form", {class: "adm-form", id: "import-form", onsubmit: async function (e) {
        e.preventDefault();
        out.replaceChildren();
        if (!file.files.length) return out.appendChild(el("p", {class: "adm-error", text: t("admin.choose_file")}));
        const r = await upload("/catalogue.xlsx", file.files[0]);
        if (r.ok) {
          out.appendChild(el("p", {class: "adm-ok", id: "import-ok", text: t("admin.imported", r.body)}));
          return;
        }
        const err = (r.body && r.body.error) || {};
        out.appendChild(el("p", {class: "adm-error", id: "import-error", text: t("admin.import_failed")}));
        const rows = (err.errors || []).map(function (x) {
          const what = x.field ? fieldLabel(x.field) : "";
          return el("tr", {}, [el("td", {text: x.sheet}), el("td", {text: String(x.row)}),
            el("td", {text: x.column + (what ? "（" + what + "）" : "")}),
            el("td", {text: reasonText(x.reason, x.params, x.message)})]);
        });
        if (rows.length) {
          out.appendChild(el("table", {class: "adm-table", id: "import-errors"}, [
            el("thead", {}, [el("tr", {}, ["sheet", "row", "column", "message"].map(function (k) { return el("th", {text: t("admin.import." + k)}); }))]),
            el("tbody", {}, rows)]));
        } else {
          out.appendChild(el("p", {class: "adm-error", text: errorMessage(r)}));
        }
      }}, [el("label", {for: "import-file", text: t("admin.import_label")}), file,
           el("button", {type: "submit", class: "adm-btn adm-primary", id: "import-submit", text: t("admin.import")})]));
    }
    kids.push(out);
    $("adm-content").replaceChildren(el("div", {class: "adm-card"}, kids));
  }

  // ---- page wiring -------------------------------------------------------------------------
  function wireHeader() {
    const lang = $("adm-lang");
    if (lang) lang.addEventListener("click", function () { QH.setLocale(lang.getAttribute("data-lang")); });
    const out = $("adm-signout");
    if (out) out.addEventListener("click", async function () {
      await QH.api("/auth/logout", {method: "POST", body: {}});
      window.location.reload();
    });
    const modal = $("adm-modal");
    if (modal) modal.addEventListener("click", function (e) { if (e.target === modal) closeModal(); });
  }

  function wireLogin() {
    const form = $("adm-login");
    if (!form) return;
    form.addEventListener("submit", async function (e) {
      e.preventDefault();
      $("login-error").textContent = "";
      const r = await QH.api("/auth/login", {method: "POST", body: {username: $("login-username").value.trim(),
                                                                     password: $("login-password").value}});
      if (!r.ok) { $("login-error").textContent = r.status === 401 ? t("admin.bad_login") : QH.errorText(r); return; }
      window.location.reload();  // the session now holds the token and the CSRF value
    });
  }

  function start() {
    wireHeader();
    wireLogin();
    if (!$("adm-content")) return;
    current = cfg.section;
    if (current === "settings") return renderSettings();
    if (current === "catalogue") return renderCatalogue();
    const sec = SECTIONS[current];
    if (current === "devices") QHPrinting.watch();
    if (!RO && sec) {
      $("adm-actions").replaceChildren(el("button", {type: "button", class: "adm-btn adm-primary", id: "adm-new",
                                                     text: t("admin.new_" + sec.noun), onclick: function () { openForm(sec, null); }}));
    }
    reload();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
