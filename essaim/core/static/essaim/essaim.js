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
  // The main menu folds behind its button on narrow screens (the stylesheet hides it under
  // .nav-folded); the button says whether it is open.
  var toggle = document.querySelector(".menu-toggle");
  if (toggle) {
    var header = toggle.closest(".site-header");
    toggle.hidden = false;
    header.classList.add("nav-folded");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      header.classList.toggle("nav-open", open);
    });
  }
  // Confirm destructive actions that declare data-confirm (no inline handlers under our CSP).
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // htmx swaps no 4xx/5xx answer by default: a refused one-click action would do nothing at
  // all. So every error answer tells the person something, in one place:
  // - a form that declares data-swap-errors shows its own 400 answer (itself again, with
  //   what to fix) in place, as the page does without JavaScript;
  // - an answer that names its target (HX-Retarget: core.middleware.error_response's short
  //   message for #messages, write limits' 429 included) goes where the server said;
  // - any other (a whole error page: a 500, a 503 while the database restarts, Django's 403
  //   for a stale CSRF token...) is never swapped into a panel: a short message stands for it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var status = detail.xhr.status;
    if (status < 400) { return; }
    // detail.elt is the swap's target (the guest form's panel, around it); the element that
    // sent the request is the requestConfig's.
    var source = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    if (status === 400 && source && source.closest("[data-swap-errors]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    } else if (detail.xhr.getResponseHeader("HX-Retarget")) {
      detail.shouldSwap = true;
      detail.isError = false;
    } else if (showFailure(status)) {
      detail.shouldSwap = false;
      detail.isError = false;
    }
  });
  // No answer at all (the connection dropped): the same short message.
  document.addEventListener("htmx:sendError", function () { showFailure(0); });

  // The short message, in the page's language: #messages carries it (base.html).
  function showFailure(status) {
    var area = document.getElementById("messages");
    var text = area && area.getAttribute("data-failure");
    if (!text) { return false; }
    var message = document.createElement("p");
    message.className = "message error";
    message.setAttribute("data-status", String(status));
    message.textContent = text;
    area.replaceChildren(message);
    return true;
  }
})();
