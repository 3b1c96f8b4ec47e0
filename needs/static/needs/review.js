// Shows the priority score of the diagnosis as the coordinator picks the scores.
// Same formula as needs/services.py priority_score: the weighted mean of the four
// 1-5 scores mapped linearly onto 0-100, rounded half up.
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form) return;
  var names = ["urgency", "students_affected", "industry_fit", "readiness"];
  var output = document.getElementById("priority-output");

  function chosen(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? parseInt(input.value, 10) : null;
  }

  function update() {
    var numerator = 0;
    var total = 0;
    for (var i = 0; i < names.length; i++) {
      var score = chosen(names[i]);
      if (score === null) { output.textContent = "—"; return; }
      var weight = parseFloat(form.getAttribute("data-weight-" + names[i]));
      numerator += weight * (score - 1);
      total += weight;
    }
    output.textContent = String(Math.floor((100 * numerator) / (4 * total) + 0.5 + 1e-9));
  }

  form.addEventListener("change", update);
  update();
})();
