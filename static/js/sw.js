// The service worker (docs/pwa.md). Served from /sw.js (config.pwa.service_worker) so that its scope
// is the whole site; the server writes SHELL and VERSION in.
//
// It keeps the shell (the offline page in both languages, the stylesheet, the scripts, an icon) and the
// LAST month page the person opened, for offline use. It NEVER keeps or replays a punch: a POST goes
// to the network once, as the browser sent it; when the network is gone the punch's answer is the
// offline page, which says that a punch needs the server's time. Nothing is queued for later.
"use strict";
const SHELL = /*SHELL*/[];
const VERSION = /*VERSION*/"dev";
const SHELL_CACHE = "shell-" + VERSION;
const MONTH_CACHE = "last-month";
const MONTH_PATH = /^\/attendance\/month\//;
const LANG_KEY = "/__offline-language";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("shell-") && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

// The page tells which language the person reads, so the offline page is shown in it.
self.addEventListener("message", (event) => {
  const lang = event.data && event.data.lang;
  if (lang === "en" || lang === "zh-hant") {
    event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.put(LANG_KEY, new Response(lang))));
  }
});

function offlinePage() {
  return caches.open(SHELL_CACHE).then((cache) =>
    cache.match(LANG_KEY)
      .then((stored) => (stored ? stored.text() : "zh-hant"))
      .then((lang) => cache.match(SHELL.find((url) => url.endsWith("?lang=" + lang)) || SHELL[0]))
  );
}

function keepLastMonth(request, response) {
  // One page only: the month just seen replaces the one before.
  return caches.open(MONTH_CACHE).then((cache) =>
    cache.keys()
      .then((keys) => Promise.all(keys.map((key) => cache.delete(key))))
      .then(() => cache.put(request, response))
  );
}

function lastMonth() {
  return caches.open(MONTH_CACHE).then((cache) =>
    cache.keys().then((keys) => (keys.length ? cache.match(keys[0]) : undefined))
  );
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.method !== "GET") {
    // Signing out forgets the month kept for offline use.
    if (url.pathname === "/accounts/logout/") event.waitUntil(caches.delete(MONTH_CACHE));
    // A punch goes to the network, once; offline, the answer says why it cannot be recorded.
    if (request.mode === "navigate" && url.pathname === "/attendance/punch/") {
      event.respondWith(fetch(request).catch(offlinePage));
    }
    return; // every other POST: untouched by the worker
  }

  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((kept) => kept || fetch(request)));
    return;
  }

  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (MONTH_PATH.test(url.pathname) && response.ok && !response.redirected) {
            event.waitUntil(keepLastMonth(request, response.clone()));
          }
          return response;
        })
        .catch(() => (MONTH_PATH.test(url.pathname) ? lastMonth() : Promise.resolve(undefined))
          .then((kept) => kept || offlinePage()))
    );
  }
});

// Web Push (docs/pwa.md): the server sends {title, body, url, tag}, encrypted for this browser; the notice is
// shown as the person's phone or computer shows notifications, and a click opens its link (which marks it read).
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const title = data.title || "校園差勤";
  const icon = SHELL.find((url) => url.includes("/icons/icon-192")) || "/static/icons/icon-192.png";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "",
      tag: data.tag || undefined,
      icon: icon,
      data: {url: data.url || "/notifications/"},
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/notifications/", self.location.origin);
  if (target.origin !== self.location.origin) return; // only this site's pages
  event.waitUntil(
    self.clients.matchAll({type: "window", includeUncontrolled: true}).then((windows) => {
      const open = windows.find((client) => "navigate" in client && new URL(client.url).origin === target.origin);
      if (open) return open.focus().then((client) => client.navigate(target.href));
      return self.clients.openWindow(target.href);
    })
  );
});
