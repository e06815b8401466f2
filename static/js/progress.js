// The progress of a recompute on the page that started it (the typhoon-day page after a declaration):
// each [data-progress-url] panel is replaced every two seconds by the server's progress bars while a
// job runs. Without JavaScript the panel's link opens the same progress as a page that refreshes itself.
(function () {
  "use strict";
  function follow(panel) {
    var url = panel.getAttribute("data-progress-url");
    function poll() {
      fetch(url + "?fragment=1", {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (answer) { return answer.ok ? answer.text() : Promise.reject(answer.status); })
        .then(function (html) {
          panel.innerHTML = html;
          if (panel.querySelector("[data-running='1']")) {
            window.setTimeout(poll, 2000);
          }
        })
        .catch(function () { /* the link stays: the progress page works without this script */ });
    }
    poll();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-progress-url]").forEach(follow);
  });
})();
