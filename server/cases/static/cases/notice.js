/* The notice's print button (the CSP refuses inline handlers, so it is wired here). */
(function () {
  "use strict";
  const b = document.querySelector("[data-testid=notice-print]");
  if (b) b.addEventListener("click", function () { window.print(); });
})();
