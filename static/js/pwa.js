// Every page: register the service worker (docs/pwa.md) and tell it the page's language, so that the
// offline page is shown in it.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  var lang = document.documentElement.lang === "en" ? "en" : "zh-hant";
  navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});
  navigator.serviceWorker.ready.then(function (registration) {
    if (registration.active) registration.active.postMessage({lang: lang});
  });
})();
