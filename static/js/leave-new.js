(function () {
  // Progressive enhancement: refresh the computed length and balances as the person types.
  var form = document.getElementById("leave-form");
  var box = document.getElementById("preview");
  var perEvent = JSON.parse(document.getElementById("per-event-types").textContent);
  var names = ["leave_type", "start_date", "start_time", "end_date", "end_time", "event_key", "event_date"];
  var timer = null;
  function refresh() {
    var params = new URLSearchParams();
    names.forEach(function (name) {
      var el = form.elements[name];
      if (el && el.value) { params.set(name, el.value); }
    });
    if (!params.get("leave_type") || !params.get("start_date") || !params.get("end_date")) { return; }
    fetch(box.dataset.url + "?" + params.toString(), {credentials: "same-origin"})
      .then(function (r) { return r.text(); })
      .then(function (html) { box.innerHTML = html; });
  }
  function toggleEvent() {
    // Show the event fields for types that have events, offering only that type's events.
    var type = form.elements.leave_type;
    var name = type.selectedIndex >= 0 ? type.options[type.selectedIndex].text : "";
    form.querySelector(".leave-event-fields").hidden = perEvent.indexOf(Number(type.value)) < 0;
    var events = form.elements.event_key;
    events.querySelectorAll("optgroup").forEach(function (group) {
      var mine = group.label === name;
      group.hidden = !mine;
      group.disabled = !mine;
    });
    var chosen = events.selectedOptions[0];
    if (chosen && chosen.parentElement.disabled) { events.value = ""; }
  }
  form.addEventListener("change", function (e) {
    if (e.target.name === "leave_type") { toggleEvent(); }
    if (names.indexOf(e.target.name) >= 0) { clearTimeout(timer); timer = setTimeout(refresh, 150); }
  });
  toggleEvent();
  refresh();
})();
