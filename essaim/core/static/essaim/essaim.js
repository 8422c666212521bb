// Small progressive enhancements; every action also works as a plain form post.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    event.preventDefault();
    var text = button.getAttribute("data-copy");
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(function () {
        button.setAttribute("data-copied", "true");
      });
    }
  });
  // Confirm destructive actions that declare data-confirm (no inline handlers under our CSP).
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // A form that declares data-swap-errors shows its own 400 answer (itself again, with what
  // to fix) in place, as the page does without JavaScript; htmx swaps no 4xx by default.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr.status === 400 && detail.elt && detail.elt.closest("[data-swap-errors]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
})();
