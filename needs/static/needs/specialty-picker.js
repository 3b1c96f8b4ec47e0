// The specialty picker: a search box above a <select> of specialties grouped by
// family and class. Typing a code, a name, a former name or pinyin initials (dzsw
// for 电子商务) hides the options that do not match (each option carries them in
// data-search, stored server-side) and picks the first match when the current
// choice is hidden. Works for pickers added later (formset rows, htmx swaps).
(function () {
  "use strict";

  function filter(input) {
    var select = document.getElementById(input.getAttribute("data-specialty-search"));
    if (!select) return;
    var query = input.value.trim().toLowerCase();
    var squeezed = query.replace(/\s+/g, "");
    var first = null;
    var options = select.querySelectorAll("option");
    for (var i = 0; i < options.length; i++) {
      var option = options[i];
      if (!option.value) continue;
      var haystack = option.getAttribute("data-search") || option.textContent;
      var hit = !query || haystack.indexOf(query) !== -1 ||
        haystack.replace(/\s+/g, "").indexOf(squeezed) !== -1;
      option.hidden = !hit;
      if (hit && first === null) first = option;
    }
    var groups = select.querySelectorAll("optgroup");
    for (var j = 0; j < groups.length; j++) {
      groups[j].hidden = !groups[j].querySelector("option:not([hidden])");
    }
    var current = select.options[select.selectedIndex];
    if (query && first && (!current || !current.value || current.hidden)) {
      select.value = first.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-specialty-search]")) {
      filter(event.target);
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var inputs = document.querySelectorAll("[data-specialty-search]");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].value) filter(inputs[i]);
    }
  });
})();
