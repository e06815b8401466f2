// 我的帳號 › 推播通知 (docs/pwa.md): this device receives Web Push notifications only after the person clicks
// 「在這部裝置接收通知」; the browser's permission prompt comes from that click, never on its own. The browser's
// subscription is then sent to /api/notifications/push-devices/ (with the page's CSRF token).
(function () {
  "use strict";
  var box = document.querySelector(".push-consent[data-push-key]");
  if (!box) return;
  var button = box.querySelector("[data-testid=push-enable]");
  var status = box.querySelector("[data-testid=push-status]");
  var csrf = box.querySelector("input[name=csrfmiddlewaretoken]");

  function say(which) {
    status.textContent = status.getAttribute("data-msg-" + which) || "";
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("unsupported");
    return;
  }
  button.hidden = false;
  if (Notification.permission === "denied") say("denied");

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    say("working");
    // Asked here, inside the click: browsers show their prompt only for a person's own gesture.
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") throw new Error("denied");
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        return registration.pushManager.getSubscription().then(function (existing) {
          return existing || registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(box.getAttribute("data-push-key"))
          });
        });
      })
      .then(function (subscription) {
        return fetch(box.getAttribute("data-push-url"), {
          method: "POST",
          credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : ""},
          body: JSON.stringify(subscription.toJSON())
        });
      })
      .then(function (response) {
        if (!response.ok) throw new Error("refused");
        say("done");
        window.location.reload();
      })
      .catch(function (error) {
        say(error && error.message === "denied" ? "denied" : "failed");
        button.disabled = false;
      });
  });
})();
