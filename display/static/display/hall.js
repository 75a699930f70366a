/* The hall screen: latest call, recent calls, waiting counts, publicity; live via QH.realtime. */
(function () {
  "use strict";
  const led = QD.page.layout === "led";
  if (led) {  // the panel's pixel size (set here: the CSP allows no inline style)
    [document.documentElement, document.body].forEach(function (e) {
      e.style.width = QD.page.width + "px"; e.style.height = QD.page.height + "px";
    });
  }
  const RECENT = led ? 2 : 8;
  // after a reconnect or a gap, calls younger than this (by the server's clock) are still announced
  const MISSED_MS = 1000 * (QD.page.missed_s === undefined ? 30 : QD.page.missed_s);
  const state = {calls: [], waiting: {}, services: {}, departments: {}, publicity: [], slide: 0};
  const book = QD.CallBook();
  const sound = QD.page.sound ? QD.AudioQueue(MISSED_MS) : null;
  const $ = QD.$;

  function windowLabel(call) { return QH.t("display.call_to_window", {window: call.window.number}); }

  /** The line under the latest call: the hall's own sentence in Chinese, the translation otherwise. */
  function callLine(call) {
    if (QH_CONFIG.locale === "zh" && call.text) return call.text;
    return QH.t("display.call_line", {number: call.ticket.number, window: call.window.number});
  }

  function renderLatest(flash) {
    const c = state.calls[0];
    // before the first call: words, not a dash that reads as 一 from across the hall
    $("latest-number").textContent = c ? c.ticket.number : "";
    document.querySelector(".latest-arrow").hidden = !c;
    $("latest-window").textContent = c ? windowLabel(c) : QH.t("display.no_call_yet");
    $("latest").classList.toggle("is-idle", !c);
    if (!led) {
      const txt = $("latest-text");
      txt.textContent = c ? callLine(c) : QH.t("display.waiting_first_call");
      txt.classList.toggle("is-recall", !!(c && c.recall));
    }
    if (c) document.body.dataset.latestSeq = String(c.seq);
    if (flash) QD.flash($("latest"));
    if (led) QD.fit($("latest"), 10);
    else QD.fit(document.querySelector(".latest-call"), 40, true);
  }

  /** Earlier calls, one row per number: a recall or a call at a new window replaces its earlier row. */
  function recentCalls() {
    const seen = {};
    if (state.calls[0]) seen[state.calls[0].ticket.number] = true;
    return state.calls.slice(1).filter(function (c) {
      if (seen[c.ticket.number]) return false;
      seen[c.ticket.number] = true;
      return true;
    }).slice(0, RECENT);
  }

  function renderRecent() {
    const list = $("recent");
    list.textContent = "";
    recentCalls().forEach(function (c) {
      list.appendChild(QH.el("li", {"class": "recent-item" + (c.recall ? " is-recall" : ""), "data-seq": c.seq}, [
        QH.el("span", {"class": "recent-number", text: c.ticket.number}),
        QH.el("span", {"class": "recent-window", text: windowLabel(c)}),
        c.recall ? QH.el("span", {"class": "recent-tag", text: QH.t("display.recall")}) : null,
      ]));
    });
    if (led) list.querySelectorAll("li").forEach(function (li) { QD.fit(li, 8); });
  }

  function renderWaiting() {
    if (led) return;
    const box = $("waiting");
    const groups = {};
    const order = [];
    Object.keys(state.services).forEach(function (id) {
      const s = state.services[id];
      const dep = s.department || {id: 0, name: ""};
      if (!groups[dep.id]) { groups[dep.id] = {name: deptName(dep), total: 0}; order.push(dep.id); }
      groups[dep.id].total += Number(state.waiting[String(id)] || 0);
    });
    // one large line per department, read from across the hall; a long name wraps, and the whole
    // list shrinks a little (never below a readable size) when the hall has many departments.
    // Only a change of departments redraws and refits; a count changes in place (calls stay quick).
    const keys = order.map(function (d) { return d + ":" + groups[d].name; }).join("|");
    if (box.dataset.keys !== keys) {
      box.textContent = "";
      order.forEach(function (d) {
        box.appendChild(QH.el("div", {"class": "dept", "data-dept": d}, [
          QH.el("span", {"class": "dept-name", text: groups[d].name}),
          QH.el("span", {"class": "dept-count"}),
        ]));
      });
      box.dataset.keys = keys;
    }
    let all = 0;
    Array.prototype.forEach.call(box.children, function (node, i) {
      const total = groups[order[i]].total;
      all += total;
      node.classList.toggle("has-waiting", total > 0);
      node.querySelector(".dept-count").textContent = QH.t("display.persons", {n: total});
    });
    box.dataset.total = String(all);
    $("waiting-total").textContent = all ? QH.t("display.waiting_total", {n: all}) : QH.t("display.waiting_none");
    // and refits when its room changes: the 延时 strip under the head comes and goes with the day,
    // and may arrive after the first fit
    const fitted = keys + "@" + box.clientWidth + "x" + box.clientHeight;
    if (box.dataset.fitted !== fitted) {
      QD.fit(box, Math.round(innerHeight * 0.026));
      box.dataset.fitted = fitted;
    }
  }

  /** A department as the hall calls it: its short name in Chinese (人社, 医保), its English name otherwise. */
  function deptName(dep) {
    const full = state.departments[dep.id] || dep;
    if (QH_CONFIG.locale === "en") return full.name_en || full.name || "";
    return full.short_name || full.name || "";
  }

  function renderCarousel() {
    if (led) return;
    const box = $("carousel");
    const items = state.publicity;
    box.textContent = "";
    if (!items.length) return;
    const p = items[state.slide % items.length];
    let media = null;
    if (p.kind === "image" && p.media) media = QH.el("img", {"class": "card-media", src: p.media, alt: p.title});
    if (p.kind === "video" && p.media) {
      media = QH.el("video", {"class": "card-media", src: p.media});
      media.muted = true; media.autoplay = true; media.loop = true; media.playsInline = true;
    }
    box.appendChild(QH.el("article", {"class": "card" + (media ? " card-has-media" : " card-text")}, [
      media,
      QH.el("h3", {"class": "card-title", text: p.title}),
      p.body ? QH.el("p", {"class": "card-body", text: p.body}) : null,
      QH.el("div", {"class": "card-dots"}, items.map(function (_x, i) {
        return QH.el("span", {"class": "dot" + (i === state.slide % items.length ? " on" : "")});
      })),
    ]));
  }

  function renderTicker() {
    if (led) return;
    const text = state.publicity.length ? QD.tickerText(state.publicity) : QH.t("display.default_marquee");
    QD.ticker($("ticker-text"), text);
  }

  function announce(call) {
    if (sound) sound.enqueue(call.text, call.seq);
  }

  function showNew(call) {
    // the first snapshot may already list it (see QD.CallBook): one row per call
    state.calls = [call].concat(state.calls.filter(function (c) { return c.seq !== call.seq; })).slice(0, 30);
    renderLatest(true);
    renderRecent();
    QD.logShown(call);
    announce(call);
  }

  function onSnapshot(snap) {
    QD.noteSnapshot(snap);
    if (snap.site && !led) {
      $("site-name").textContent = QD.name(snap.site);
      QD.fit($("site-name"), 16, true);
    }
    state.waiting = snap.waiting || {};
    const missed = book.fromSnapshot(snap.calls);
    // aged by the server's clock: the screen PC's own may be off
    const serverNow = Date.now() + QD.serverOffset(snap);
    const recent = missed.filter(function (c) { return c.at && serverNow - Date.parse(c.at) <= MISSED_MS; });
    state.calls = (snap.calls || []).slice();
    renderLatest(recent.length > 0);
    renderRecent();
    renderWaiting();
    missed.forEach(QD.logShown);
    recent.forEach(announce);
  }

  function onEvent(name, payload) {
    if (name === "ticket.called") {
      if (payload.waiting) { state.waiting = payload.waiting; renderWaiting(); }  // the call's counts: no queue.changed follows
      if (book.add(payload)) showNew(payload);
    } else if (name === "queue.changed") {
      state.waiting = payload.waiting || {};
      renderWaiting();
    } else if (name === "catalog.changed") {
      loadContent();
      loadHours();
    }
  }

  /** The hall's ticket hours under the clock: today's times, or that tickets are issued at any hour. */
  async function loadHours() {
    if (led) return;
    const r = await QH.api("/hall-status");
    if (!r.ok) return;
    $("hall-hours").textContent = QHHours.line(r.body);
    // 延时/错时服务 today: a strip under the head, the period running now first and marked
    const lines = QHHours.extended(r.body).sort(function (a, b) { return b.now - a.now; });
    const box = $("hall-extended");
    box.hidden = !lines.length;
    box.replaceChildren.apply(box, lines.map(function (l) {
      return QH.el("span", {class: "hall-extended-line" + (l.now ? " is-now" : ""), text: l.text});
    }));
    renderWaiting();  // the strip takes room from the waiting list: it refits if it must
  }

  async function loadContent() {
    const [services, publicity, depts] = await Promise.all([QD.loadServices(), QD.loadPublicity(), QH.api("/departments")]);
    state.services = services;
    state.departments = {};
    if (depts.ok) depts.body.items.forEach(function (d) { state.departments[d.id] = d; });
    state.publicity = publicity;
    renderWaiting();
    renderCarousel();
    renderTicker();
  }

  QH.translatePage();
  renderLatest(false);
  QD.clock(led ? null : $("clock-date"), $("clock-time"));
  if (led) QD.fit($("led-title"), 8);
  loadContent();
  loadHours();
  window.addEventListener("resize", renderWaiting);
  setInterval(loadHours, 60000);  // today's times change at midnight
  setInterval(function () { state.slide += 1; renderCarousel(); }, 10000);
  window.QD_rt = QH.realtime({snapshot: onSnapshot, event: onEvent, status: QD.statusBanner});
})();
