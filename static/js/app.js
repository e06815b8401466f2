// Behaviour every page shares, kept out of the templates so the Content-Security-Policy can refuse
// inline scripts: <select data-autosubmit> submits its form on change, and a button or link with
// data-confirm="question" asks before it acts.
(function () {
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.submit(); }
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (el && !window.confirm(el.dataset.confirm)) { event.preventDefault(); }
  });
})();

// A wide table scrolls inside its .table-wrap; when it does not fit, a line above it says so (the edge
// shadows in app.css say it too, without JavaScript).
(function () {
  function mark() {
    var hint = document.body.dataset.scrollHint;
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var wide = wrap.scrollWidth > wrap.clientWidth + 1;
      var note = wrap.previousElementSibling;
      var has = note && note.classList.contains("scroll-hint");
      if (wide && !has && hint) {
        note = document.createElement("p");
        note.className = "scroll-hint";
        note.setAttribute("data-testid", "scroll-hint");
        note.textContent = hint;
        wrap.parentNode.insertBefore(note, wrap);
      } else if (!wide && has) {
        note.remove();
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
})();
