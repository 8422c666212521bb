// Registers the service worker (essaim.core.views_pwa): offline page, installable app, push.
"use strict";
(function () {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      // Without it the site works as before: only the offline page and push are missing.
    });
  });
})();
