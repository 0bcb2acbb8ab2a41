// The dashboard's two trend charts, from the JSON the server put in the page.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("charts");
    if (!holder || typeof Chart === "undefined") return;
    var d = JSON.parse(holder.dataset.charts);
    var colours = ["#98a2b3", "#2e90fa", "#f79009", "#f04438", "#b42318", "#55160c"];
    new Chart(document.getElementById("chart-volume"), {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: d.volume.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: colours[i % colours.length], stack: "v" };
        })
      },
      options: { animation: false, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    });
    new Chart(document.getElementById("chart-attainment"), {
      type: "line",
      data: { labels: d.labels, datasets: [{ label: d.attainment.label, data: d.attainment.data, borderColor: "#067647", backgroundColor: "#067647", spanGaps: true, tension: 0.2 }] },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } } }
    });
    holder.dataset.drawn = "true";
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
