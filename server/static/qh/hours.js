/* Weekly hours ({"mon": [["09:00", "12:00"]], ...}) as words, and the hall's "taking tickets"
   line shared by the kiosk and the hall screen (strings: hours.*). */
(function () {
  "use strict";
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

  function spans(list) {
    return (list || []).map(function (s) { return s[0] + "-" + s[1]; }).join(QH.t("hours.span_sep"));
  }

  /** The week, consecutive days with the same times joined: "周一至周五 09:00-12:00、13:30-17:00". */
  function week(hours) {
    const cells = DAYS.map(function (d) { return JSON.stringify((hours || {})[d] || []); });
    const parts = [];
    let i = 0;
    while (i < 7) {
      let j = i;
      while (j + 1 < 7 && cells[j + 1] === cells[i]) j += 1;
      if (cells[i] !== "[]") {
        const days = i === j ? QH.t("hours.day." + DAYS[i])
          : QH.t("hours.day_range", {a: QH.t("hours.day." + DAYS[i]), b: QH.t("hours.day." + DAYS[j])});
        parts.push(days + " " + spans(hours[DAYS[i]]));
      }
      i = j + 1;
    }
    return parts.join(QH.t("hours.day_sep"));
  }

  /** The line under the clock from /hall-status: any hour, a public holiday, today's times (an
      adjusted working day says so), or none today. */
  function line(status) {
    if (!status) return "";
    if (status.around_the_clock) return QH.t("hours.around_the_clock");
    if (status.holiday) return QH.t("hours.holiday");
    if (status.hours_today && status.hours_today.length) {
      return QH.t(status.workday ? "hours.workday_today" : "hours.today", {spans: spans(status.hours_today)});
    }
    return QH.t("hours.none_today");
  }

  /** Today's 延时/错时 periods from /hall-status as lines: "今日延时服务 12:00–13:30：A、B（1号、2号窗口）";
   *  when the period's windows do not all serve every item, each item names its own windows:
   *  "A（2号窗口）、B（6号窗口）" (only those windows call the period's tickets). */
  function extended(status) {
    const en = document.documentElement.lang === "en";
    const sep = QH.t("hours.span_sep");
    function at(list) {
      return list && list.length ? QH.t(list.length === 1 ? "hours.extended_window" : "hours.extended_windows", {list: list.join(sep)}) : "";
    }
    return ((status && status.extended_today) || []).map(function (p) {
      const name = function (i) { return en && i.name_en ? i.name_en : i.name; };
      const lists = p.items.map(function (i) { return JSON.stringify(i.windows || p.windows); });
      const shared = lists.every(function (l) { return l === lists[0]; });
      const items = shared ? p.items.map(name).join(sep)
        : p.items.map(function (i) { return name(i) + at(i.windows); }).join(sep);
      const windows = shared ? at(p.items.length && p.items[0].windows ? p.items[0].windows : p.windows) : "";
      const kind = QH.t("hours.kind." + p.kind);
      const title = en ? (p.name_en || kind) : (p.name || kind);
      return {now: !!p.now, kind: p.kind,
              text: QH.t(p.now ? "hours.extended_now" : "hours.extended_today",
                         {kind: kind, title: title, start: p.start, end: p.end, items: items, windows: windows})};
    });
  }

  window.QHHours = {week: week, spans: spans, line: line, extended: extended};
})();
