(function () {
  // The deputy picker: without JavaScript a select grouped by unit (the last deputies on top); with it, a
  // search box above the select that lists the colleagues whose name or unit holds what was typed.
  document.querySelectorAll("[data-deputy-picker]").forEach(function (box) {
    var select = box.querySelector("select");
    if (!select) { return; }
    var id = select.id + "-search";
    var label = document.createElement("label");
    label.className = "deputy-search";
    label.setAttribute("for", id);
    label.textContent = box.dataset.label;
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    input.setAttribute("data-testid", "deputy-search");
    input.setAttribute("aria-controls", id + "-results");
    var list = document.createElement("ul");
    list.id = id + "-results";
    list.className = "deputy-results";
    list.setAttribute("data-testid", "deputy-results");
    list.setAttribute("aria-live", "polite");
    box.insertBefore(list, box.firstChild);
    box.insertBefore(input, box.firstChild);
    box.insertBefore(label, box.firstChild);

    function options() {
      return Array.prototype.filter.call(select.options, function (o) { return o.value; });
    }
    function choose(option) {
      select.value = option.value;
      select.dispatchEvent(new Event("change", {bubbles: true}));
      input.value = "";
      list.textContent = "";
    }
    function search() {
      var q = input.value.trim().toLowerCase();
      list.textContent = "";
      if (!q) { return; }
      var seen = {};
      var found = options().filter(function (o) {
        var group = o.parentElement.tagName === "OPTGROUP" ? o.parentElement.label : "";
        var hit = (o.text + " " + group).toLowerCase().indexOf(q) >= 0 && !seen[o.value];
        seen[o.value] = true;
        return hit;
      }).slice(0, 8);
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = box.dataset.none;
        list.appendChild(none);
        return;
      }
      found.forEach(function (o) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = o.text;
        button.setAttribute("data-testid", "deputy-option");
        button.addEventListener("click", function () { choose(o); });
        item.appendChild(button);
        list.appendChild(item);
      });
    }
    input.addEventListener("input", search);
    input.addEventListener("keydown", function (e) {
      // Enter picks the first match instead of sending the form.
      if (e.key === "Enter") {
        e.preventDefault();
        var first = list.querySelector("button");
        if (first) { first.click(); }
      }
    });
  });
})();
