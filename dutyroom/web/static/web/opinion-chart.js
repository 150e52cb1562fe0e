// The stage report's trend chart: ECharts (from npm, served as a static file) draws the series the server
// put in <script type="application/json" id="trend-data"> — data, not code, so the CSP stays strict.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("trend-chart");
    var source = document.getElementById("trend-data");
    if (!holder || !source || !window.echarts) { return; }
    var trend = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 40 },
      xAxis: { type: "category", data: trend.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: trend.series.map(function (s, i) {
        return { name: s.name, type: i === 0 ? "bar" : "line", data: s.data };
      })
    });
    holder.setAttribute("data-drawn", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
