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

  /** The line under the clock from /hall-status: any hour, today's times, or none today. */
  function line(status) {
    if (!status) return "";
    if (status.around_the_clock) return QH.t("hours.around_the_clock");
    if (status.hours_today && status.hours_today.length) return QH.t("hours.today", {spans: spans(status.hours_today)});
    return QH.t("hours.none_today");
  }

  window.QHHours = {week: week, spans: spans, line: line};
})();
