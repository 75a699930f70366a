/* Shared pieces of the display screens: clock, offline banner, ticker, text fitting,
   the call book (no call shown twice or missed) and the announcement audio queue. */
(function () {
  "use strict";
  const QD = {};
  const cfg = window.QH_CONFIG || {};
  QD.page = cfg.page || {};
  /** Every call a screen drew, for tests and the benchmark: {seq, number, window, at}. */
  window.QD_log = [];

  QD.$ = function (id) { return document.getElementById(id); };

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /** Keep a date line and a time line current. */
  QD.clock = function (dateEl, timeEl) {
    const days = QH.t("display.weekdays").split(",");
    function tick() {
      const d = QH.hallNow();
      if (dateEl) dateEl.textContent = QH.t("display.date_format",
        {y: d.y, m: pad(d.m), d: pad(d.d), w: days[d.weekday] || ""});
      if (timeEl) timeEl.textContent = pad(d.hh) + ":" + pad(d.mm) + ":" + pad(d.ss);
    }
    tick();
    setInterval(tick, 1000);
  };

  /** Show the reconnect banner while the realtime link is down. */
  QD.statusBanner = function (online) {
    const el = QD.$("offline");
    if (el) el.hidden = !!online;
    document.body.classList.toggle("is-offline", !online);
  };

  /** A scrolling one-line ticker; speed is constant whatever the text length. */
  QD.ticker = function (el, text) {
    if (!el || el.textContent === text) return;
    el.textContent = text;
    const px = Math.max(el.scrollWidth, 1) + el.parentElement.clientWidth;
    el.style.animationDuration = Math.max(15, px / 90) + "s";
  };

  /** The ticker line from publicity items. */
  QD.tickerText = function (items) {
    return items.map(function (p) { return p.title + (p.body ? "：" + p.body : ""); }).join("　　◆　　");
  };

  /** Shrink an element's font until its text fits its box (LED panels, long numbers). */
  QD.fit = function (el, minPx, widthOnly) {
    if (!el) return;
    el.style.fontSize = "";
    let size = parseFloat(getComputedStyle(el).fontSize);
    function over() {
      return el.scrollWidth > el.clientWidth + 1 || (!widthOnly && el.scrollHeight > el.clientHeight + 1);
    }
    while (size > (minPx || 8) && over()) {
      size -= 1;
      el.style.fontSize = size + "px";
    }
  };

  /** Restart a CSS flash animation on an element. */
  QD.flash = function (el) {
    if (!el) return;
    el.classList.remove("flash");
    void el.offsetWidth;
    el.classList.add("flash");
  };

  /** Which calls this screen has shown: a call (seq) is drawn once, even across snapshots. */
  QD.CallBook = function () {
    const seen = new Set();
    // calls of the first snapshot: history, never announced from a later snapshot, but a live event
    // of one still comes when the snapshot was read after a call made once this screen had joined
    const history = new Set();
    let baseline = false;
    return {
      /** Calls in a snapshot not shown yet, oldest first ([] on the first snapshot: that is history). */
      fromSnapshot: function (calls) {
        const fresh = (calls || []).filter(function (c) { return !seen.has(c.seq) && !history.has(c.seq); });
        if (!baseline) {
          baseline = true;
          fresh.forEach(function (c) { history.add(c.seq); });
          return [];
        }
        fresh.forEach(function (c) { seen.add(c.seq); });
        return fresh.sort(function (a, b) { return a.seq - b.seq; });
      },
      /** True the first time a call's seq is seen. */
      add: function (call) {
        if (seen.has(call.seq)) return false;
        seen.add(call.seq);
        return true;
      },
    };
  };

  /** Count snapshots drawn (tests wait for the first one before calling). */
  window.QD_snapshots = 0;
  QD.noteSnapshot = function (snap) {
    window.QD_snapshots += 1;
    document.body.dataset.snapshotSeq = String(snap.seq);
  };

  /** Note that a call was drawn (tests and the benchmark read window.QD_log). */
  QD.logShown = function (call) {
    window.QD_log.push({seq: call.seq, number: call.ticket.number, window: call.window.number,
                        recall: !!call.recall, at: Date.now()});
  };

  /** A name in the page's language: name_en on English screens when there is one. */
  QD.name = function (obj) {
    if (!obj) return "";
    return (cfg.locale === "en" && obj.name_en) || obj.name || "";
  };

  /** Milliseconds between the server's clock and this screen's (a snapshot's server_time). */
  QD.serverOffset = function (snap) {
    const t = snap && Date.parse(snap.server_time);
    return t ? t - Date.now() : 0;
  };

  /** A tiny silent WAV: playing it inside a tap is what makes a browser grant the page sound. */
  function silentWav() {
    const n = 800, buf = new ArrayBuffer(44 + n * 2), v = new DataView(buf);
    const str = function (o, s) { for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i)); };
    str(0, "RIFF"); v.setUint32(4, 36 + n * 2, true); str(8, "WAVEfmt "); v.setUint32(16, 16, true);
    v.setUint16(20, 1, true); v.setUint16(22, 1, true); v.setUint32(24, 8000, true); v.setUint32(28, 16000, true);
    v.setUint16(32, 2, true); v.setUint16(34, 16, true); str(36, "data"); v.setUint32(40, n * 2, true);
    return new Blob([buf], {type: "audio/wav"});
  }

  /**
   * Plays announcements one after another from server-rendered audio (the hall's chime and
   * repeats are in the file); fetches ahead, never overlaps. When the browser blocks autoplay
   * it shows the "tap to enable sound" banner and waits for the tap; calls that waited longer
   * than `staleMs` are then skipped rather than read out late.
   */
  QD.AudioQueue = function (staleMs) {
    const jobs = [];
    const banner = QD.$("sound-unlock");
    let playing = false;
    let release = null;  // resolves the wait for a tap
    window.QD_audio = [];
    window.QD_sound = {blocked: false, unlocked: false};
    function setBlocked(on) {
      window.QD_sound.blocked = on;
      if (banner) banner.hidden = !on;
      document.body.classList.toggle("sound-blocked", on);
    }
    function tapped() {
      // played inside the tap: from now on the browser lets this page play sound
      const probe = new Audio(URL.createObjectURL(silentWav()));
      const p = probe.play();
      if (p && p.catch) p.catch(function () {});
      window.QD_sound.unlocked = true;
      setBlocked(false);
      if (release) { const r = release; release = null; r(); }
    }
    if (banner) banner.addEventListener("click", tapped);
    function waitForTap() {
      setBlocked(true);
      return new Promise(function (resolve) { release = resolve; });
    }
    // Ask at start-up, so the banner is up before the first call rather than at it.
    (function probe() {
      const a = new Audio(URL.createObjectURL(silentWav()));
      const p = a.play();
      if (p && p.then) {
        p.then(function () { window.QD_sound.unlocked = true; })
          .catch(function (e) { if (e && e.name === "NotAllowedError" && !window.QD_sound.unlocked) setBlocked(true); });
      }
    })();
    function fetchAudio(text, retries) {
      const headers = cfg.token ? {"Authorization": "Bearer " + cfg.token} : {};
      const left = retries === undefined ? 2 : retries;
      return fetch((cfg.apiBase || "/api/v1") + "/announcements/audio?text=" + encodeURIComponent(text),
                   {headers: headers})
        .then(function (r) {
          if (r.ok) return r.blob();
          // 503: the server's speech engine or database was busy and says to try again shortly
          if (r.status === 503 && left > 0) {
            return new Promise(function (ok) { setTimeout(ok, 700); }).then(function () {
              return fetchAudio(text, left - 1);
            });
          }
          throw new Error("HTTP " + r.status);
        });
    }
    function playBlob(blob, rec) {
      return new Promise(function (resolve) {
        const url = URL.createObjectURL(blob);
        const audio = new Audio(url);
        let done = false;
        function finish(err) {
          if (done) return;
          done = true;
          rec.ended = Date.now();
          if (err) rec.error = String(err);
          URL.revokeObjectURL(url);
          resolve();
        }
        audio.addEventListener("ended", function () { finish(); });
        audio.addEventListener("error", function () { finish("media error"); });
        audio.addEventListener("loadedmetadata", function () { rec.duration = audio.duration; });
        function start() {
          rec.started = Date.now();
          const p = audio.play();
          // a stuck player must not silence the hall: give up after the clip plus a margin
          const guard = function () {
            window.QD_sound.unlocked = true;  // the browser plays: no banner, whatever the start-up probe said
            setBlocked(false);
            setTimeout(function () { finish("timeout"); }, 60000);
          };
          if (!p || !p.then) { guard(); return; }
          p.then(guard, function (e) {
            if (e && e.name === "NotAllowedError") {
              rec.blocked = true;
              waitForTap().then(function () {
                if (Date.now() - rec.queued > staleMs) finish("stale: sound was blocked until a tap");
                else start();
              });
            } else finish(e);
          });
        }
        start();
      });
    }
    async function pump() {
      if (playing) return;
      playing = true;
      while (jobs.length) {
        const job = jobs.shift();
        try {
          const blob = await job.blob;
          job.rec.ready = Date.now();
          if (Date.now() - job.rec.queued > staleMs) throw new Error("stale: waited behind a blocked call");
          await playBlob(blob, job.rec);
        } catch (e) {
          job.rec.error = String(e);
          job.rec.ended = Date.now();
        }
      }
      playing = false;
    }
    return {
      enqueue: function (text, seq) {
        const rec = {seq: seq, text: text, queued: Date.now()};
        window.QD_audio.push(rec);
        jobs.push({rec: rec, blob: fetchAudio(text)});
        pump();
      },
    };
  };

  /** Publicity items for the device (empty list on failure). */
  QD.loadPublicity = async function () {
    const res = await QH.api("/publicity");
    return res.ok && res.body ? res.body.items : [];
  };

  /** Service items keyed by id (names, departments). */
  QD.loadServices = async function () {
    const res = await QH.api("/services");
    const byId = {};
    if (res.ok && res.body) res.body.items.forEach(function (s) { byId[s.id] = s; });
    return byId;
  };

  window.QD = QD;
})();
