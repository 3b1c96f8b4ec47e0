/* Draws the recruitment plan's curve (places met and score against the number of
 * recruits) from <script type="application/json" id="plan-data">; without
 * Chart.js the page keeps its table. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("plan-data");
    var canvas = document.getElementById("plan-curve");
    if (!source || !canvas || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    var reduced = window.matchMedia &&
      window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          { label: data.places_label, data: data.places, yAxisID: "places",
            borderColor: "#1565c0", backgroundColor: "#1565c0" },
          { label: data.score_label, data: data.score, yAxisID: "score",
            borderColor: "#00897b", backgroundColor: "#00897b", borderDash: [4, 3] }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduced ? false : { duration: 400 },
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { type: "linear", min: 0, ticks: { precision: 0, stepSize: 1 },
               title: { display: true, text: data.x_label } },
          places: { position: "left", ticks: { precision: 0 } },
          score: { position: "right", grid: { drawOnChartArea: false } }
        }
      },
      plugins: [{ id: "mark-drawn", afterRender: function () { canvas.dataset.drawn = "1"; } }]
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
