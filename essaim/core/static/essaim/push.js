// Turning push notifications on and off for this device, on the notification preferences
// page (essaim.notifications.views.push_subscribe / push_unsubscribe). The service worker
// (pwa.js registers it) shows what arrives.
"use strict";
(function () {
  const box = document.getElementById("push-device");
  if (!box) return;
  const state = box.querySelector('[data-testid="push-state"]');
  const onButton = box.querySelector('[data-testid="push-on"]');
  const offButton = box.querySelector('[data-testid="push-off"]');
  const form = document.querySelector('[data-testid="preferences-form"]');
  const csrf = form ? form.querySelector('input[name="csrfmiddlewaretoken"]').value : "";
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !window.isSecureContext) {
    return; // the page already says this browser cannot
  }

  function applicationServerKey(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    const raw = atob(padded);
    return Uint8Array.from(raw, (character) => character.charCodeAt(0));
  }

  function show(subscribed, message) {
    state.textContent = message || (subscribed ? box.dataset.on : box.dataset.off);
    onButton.hidden = subscribed;
    offButton.hidden = !subscribed;
    box.dataset.subscribed = subscribed ? "true" : "false";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    }).then((response) =>
      response.json().then((answer) => {
        if (!response.ok) throw new Error(answer.detail || box.dataset.failed);
        return answer;
      })
    );
  }

  function device() {
    const agent = navigator.userAgent;
    const browser = /Firefox\//.test(agent) ? "Firefox" : /Edg\//.test(agent) ? "Edge"
      : /Chrome\//.test(agent) ? "Chrome" : /Safari\//.test(agent) ? "Safari" : "";
    const system = /Android/.test(agent) ? "Android" : /iPhone|iPad/.test(agent) ? "iOS"
      : /Windows/.test(agent) ? "Windows" : /Mac OS/.test(agent) ? "macOS"
      : /Linux/.test(agent) ? "Linux" : "";
    return [browser, system].filter(Boolean).join(" · ");
  }

  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(() =>
    navigator.serviceWorker.ready.then((registration) => {
      registration.pushManager.getSubscription().then((subscription) => show(!!subscription));

      onButton.addEventListener("click", () => {
        onButton.disabled = true;
        Notification.requestPermission()
          .then((permission) => {
            if (permission !== "granted") throw new Error(box.dataset.denied);
            return registration.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: applicationServerKey(box.dataset.publicKey),
            });
          })
          .then((subscription) =>
            post(box.dataset.subscribeUrl, {
              subscription: subscription.toJSON(),
              time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || "",
              device: device(),
            }).catch((error) => subscription.unsubscribe().then(() => { throw error; }))
          )
          .then((answer) => show(true, answer.detail))
          .catch((error) => show(false, error.message || box.dataset.failed))
          .finally(() => { onButton.disabled = false; });
      });

      offButton.addEventListener("click", () => {
        offButton.disabled = true;
        registration.pushManager
          .getSubscription()
          .then((subscription) => {
            if (!subscription) return { detail: box.dataset.off };
            const endpoint = subscription.endpoint;
            return subscription
              .unsubscribe()
              .then(() => post(box.dataset.unsubscribeUrl, { endpoint: endpoint }));
          })
          .then((answer) => show(false, answer.detail))
          .catch((error) => show(true, error.message || box.dataset.failed))
          .finally(() => { offButton.disabled = false; });
      });
    })
  );
})();
