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
