// Essaim's service worker (served at /sw.js by essaim.core.views_pwa). It keeps the public
// shell (static files, icons, the offline page) for offline use and shows push notifications.
// It never stores a page, an answer to a POST or an API answer: those are personal.
"use strict";

const CONFIG = {{ config|safe }};
const CACHE = "essaim-shell-" + CONFIG.version;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(CONFIG.shell)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("essaim-shell-") && name !== CACHE)
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // POSTs always go to the server, never to a cache
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages are personal: always from the network; the offline page when there is none.
    event.respondWith(fetch(request).catch(() => caches.match(CONFIG.offline)));
    return;
  }
  if (url.pathname.startsWith(CONFIG.static) || CONFIG.shell.includes(url.pathname)) {
    // Static files are public and named by their content: the cached copy while it lasts.
    event.respondWith(caches.match(request).then((cached) => cached || fetch(request)));
  }
});

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { body: event.data ? event.data.text() : "" };
  }
  const actions = (message.actions || []).map((action) => ({
    action: action.action,
    title: action.title,
  }));
  event.waitUntil(
    self.registration.showNotification(message.title || "Essaim", {
      body: message.body || "",
      tag: message.tag || undefined,
      icon: CONFIG.icon,
      badge: CONFIG.icon,
      lang: message.lang || undefined,
      actions: actions,
      data: { url: message.url || "/", actions: message.actions || [] },
    })
  );
});

function openPage(url) {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    for (const client of windows) {
      if (new URL(client.url).pathname === new URL(url, self.location.origin).pathname) {
        return client.focus();
      }
    }
    return self.clients.openWindow(url);
  });
}

self.addEventListener("notificationclick", (event) => {
  const data = event.notification.data || {};
  event.notification.close();
  const chosen = (data.actions || []).find((action) => action.action === event.action);
  if (chosen && chosen.post) {
    // "Done today": the signed link is the authority, no page needs to open. The answer is
    // shown as a notification of its own.
    event.waitUntil(
      fetch(chosen.post, { method: "POST", credentials: "omit" })
        .then((response) => response.json().catch(() => ({})))
        .then((answer) =>
          self.registration.showNotification(answer.title || "Essaim", {
            body: answer.detail || "",
            tag: data.url,
            icon: CONFIG.icon,
          })
        )
        .catch(() => openPage(data.url))
    );
    return;
  }
  event.waitUntil(openPage((chosen && chosen.url) || data.url || "/"));
});
