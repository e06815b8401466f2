// The clock page (no inline script: loaded with <script src defer>).
// The phone's clock is never trusted: the page counts on from the server's time using the
// browser's monotonic timer, and the punch itself is stamped by the server.
(function () {
  "use strict";
  var el = document.getElementById("clock-time");
  if (el && el.dataset.epochMs) {
    var serverMs = Number(el.dataset.epochMs), started = performance.now();
    var fmt = new Intl.DateTimeFormat("zh-TW", {timeZone: "Asia/Taipei", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"});
    var tick = function () { el.textContent = fmt.format(new Date(serverMs + performance.now() - started)); };
    setInterval(tick, 1000);
  }
  // One tap, one request: the buttons lock on submit (the server is idempotent anyway). On a flaky
  // connection the page says so after a while and lets the person send again: a repeat is still one punch.
  document.querySelectorAll(".punch-form").forEach(function (form) {
    var progress = form.querySelector(".punch-progress");
    // Offline: a punch needs the server's time, so the buttons rest until the connection is back.
    var reflect = function () {
      var offline = navigator.onLine === false;
      form.querySelectorAll("button").forEach(function (b) { b.disabled = offline; });
      form.classList.toggle("is-offline", offline);
      if (progress && form.dataset.offline) {
        if (offline) { progress.textContent = form.dataset.offline; }
        else if (progress.textContent === form.dataset.offline) { progress.textContent = ""; }
      }
    };
    window.addEventListener("offline", reflect);
    window.addEventListener("online", reflect);
    reflect();
    form.addEventListener("submit", function (event) {
      var chosen = event.submitter;
      form.querySelectorAll("input.chosen-kind").forEach(function (old) { old.remove(); });
      if (chosen && chosen.name) {
        var keep = document.createElement("input");
        keep.type = "hidden"; keep.name = chosen.name; keep.value = chosen.value; keep.className = "chosen-kind";
        form.appendChild(keep);
      }
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      if (progress) { progress.textContent = form.dataset.sending || ""; }
      setTimeout(function () {
        buttons.forEach(function (b) { b.disabled = false; });
        if (progress) { progress.textContent = form.dataset.noAnswer || ""; }
      }, 15000);
    });
  });
})();
