/* The wait line of a ticket (kiosk screen and phone page): minutes only while a window for the
   item is open; otherwise say that windows are not open yet, or that no window handles the item. */
(function () {
  "use strict";
  window.QHWait = {
    /** p: a public ticket ({estimated_wait_min, windows_open, windows_serving}). */
    text: function (p) {
      const t = QH.t;
      if (p.windows_serving === 0) return t("status.no_window");
      if (p.windows_open === false) return t("status.windows_closed");
      return p.estimated_wait_min ? t("status.estimate_n", {n: p.estimated_wait_min}) : t("status.estimate_none");
    },
  };
})();
