/* Draws the dashboard's charts from the JSON the page carries in
 * <script type="application/json" id="dashboard-data"> (no inline script, so a
 * strict Content-Security-Policy can be added). Each bar or slice links to the list
 * behind it. Without Chart.js the page keeps its numbers and tables. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function decorate() {
    document.querySelectorAll(".swatch[data-colour]").forEach(function (el) {
      el.style.backgroundColor = el.dataset.colour;
    });
    document.querySelectorAll(".meter-bar[data-percent]").forEach(function (el) {
      var p = Math.max(0, Math.min(100, Number(el.dataset.percent) || 0));
      el.style.width = p + "%";
    });
    document.querySelectorAll(".chart-rows[data-rows]").forEach(function (el) {
      el.style.height = Math.max(160, 48 + 30 * Number(el.dataset.rows)) + "px";
    });
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
  }

  function go(links) {
    return function (_event, elements) {
      if (!elements.length || !links) return;
      var url = links[elements[0].index];
      if (url) window.location.href = url;
    };
  }

  function hover(links) {
    return function (event, elements) {
      var target = event.native && event.native.target;
      if (target) {
        var clickable = elements.length && links && links[elements[0].index];
        target.style.cursor = clickable ? "pointer" : "default";
      }
    };
  }

  var reducedMotion = window.matchMedia &&
    window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function base(links, extra) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: reducedMotion ? false : { duration: 400 },
      onClick: go(links),
      onHover: hover(links),
      plugins: { legend: { position: "bottom" } }
    };
    return Object.assign(options, extra || {});
  }

  function drawn(canvas) {
    canvas.dataset.drawn = "1";
  }

  function make(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return null;
    config.plugins = [{ id: "mark-drawn", afterRender: function () { drawn(canvas); } }];
    return new window.Chart(canvas, config);
  }

  function series(data, stacked) {
    return data.series.map(function (s) {
      return {
        label: s.label,
        data: s.values,
        backgroundColor: s.colour,
        borderColor: s.colour,
        stack: stacked ? "all" : undefined
      };
    });
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    var charts = [];

    charts.push(make("chart-status", {
      type: "bar",
      data: {
        labels: data.status.labels,
        datasets: [{
          label: data.status.label,
          data: data.status.values,
          backgroundColor: data.status.colours
        }]
      },
      options: base(data.status.links, {
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      })
    }));

    charts.push(make("chart-coverage", {
      type: "doughnut",
      data: {
        labels: data.coverage.labels,
        datasets: [{ data: data.coverage.values, backgroundColor: data.coverage.colours }]
      },
      options: base(data.coverage.links)
    }));

    charts.push(make("chart-backlog", {
      type: "bar",
      data: { labels: data.backlog.labels, datasets: series(data.backlog, true) },
      options: base(data.backlog.links, {
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }
        }
      })
    }));

    charts.push(make("chart-supply", {
      type: "bar",
      data: { labels: data.supply_demand.labels, datasets: series(data.supply_demand, false) },
      options: base(data.supply_demand.links, {
        indexAxis: "y",
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      })
    }));

    charts.push(make("chart-grades", {
      type: "bar",
      data: { labels: data.grades.labels, datasets: series(data.grades, false) },
      options: base(data.grades.links, {
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      })
    }));

    window.dashboardCharts = charts.filter(Boolean);
  }

  onReady(function () {
    decorate();
    draw();
  });
})();
