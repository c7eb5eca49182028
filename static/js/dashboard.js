/* The dashboard's two charts, drawn with the vendored Chart.js from the figures the page embeds. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var accent = getComputedStyle(document.documentElement).getPropertyValue("--accent").trim() || "#0b6e4f";
  var common = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { position: "bottom" } },
    scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
  };

  var printed = document.getElementById("printed-chart");
  if (printed) {
    new Chart(printed, {
      type: "bar",
      data: { labels: data.printed.labels, datasets: [{ label: data.printed.label, data: data.printed.values, backgroundColor: accent }] },
      options: Object.assign({}, common, { plugins: { legend: { display: false } } })
    });
  }

  var backlog = document.getElementById("backlog-chart");
  if (backlog) {
    new Chart(backlog, {
      type: "bar",
      data: {
        labels: data.backlog.labels,
        datasets: [
          { label: data.backlog.recorded_label, data: data.backlog.recorded, backgroundColor: accent },
          { label: data.backlog.on_hold_label, data: data.backlog.on_hold, backgroundColor: "#d97706" }
        ]
      },
      options: Object.assign({}, common, { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } })
    });
  }
})();
