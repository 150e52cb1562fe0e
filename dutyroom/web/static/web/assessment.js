/* DutyRoom assessment charts (ECharts from npm): on-time rate by month, violations by kind, first-report delays.
   Data comes from the page's JSON block (json_script), never from inline script. */
(function () {
  "use strict";
  function start() {
    var source = document.getElementById("assessment-chart-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var zh = document.documentElement.lang !== "en";
    var months = data.months || [];
    var monthNames = zh ? null : ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    function monthLabel(m) {  /* "2026-10" -> "10月" / "Oct": a person's words, not a code */
      var n = parseInt(m.month.slice(5), 10);
      return zh ? n + "月" : monthNames[n - 1];
    }
    /* A month with nothing due has no bar; every month that has one carries its rate as a label. */
    chart("chart-months", {
      xAxis: { type: "category", data: months.map(monthLabel), axisLabel: { interval: 0 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      tooltip: { trigger: "axis" },
      series: [{ type: "bar", name: zh ? "首报及时率" : "on time", barMaxWidth: 28,
        label: { show: true, position: "top", formatter: function (p) { return p.value + "%"; } },
        data: months.map(function (m) { return m.rate === null ? null : Math.round(m.rate * 1000) / 10; }) }]
    });
    var v = data.violations || {};
    var vLabels = zh ? ["迟报", "缺报", "漏报", "谎报", "瞒报", "违规渠道"] : ["late", "missing", "omitted", "false", "concealed", "channel"];
    chart("chart-violations", {
      xAxis: { type: "category", data: vLabels, axisLabel: { interval: 0 } }, yAxis: { type: "value", minInterval: 1 },
      tooltip: {},
      series: [{ type: "bar", barMaxWidth: 36, label: { show: true, position: "top" },
        data: [v.late, v.missing, v.omitted, v["false"], v.concealed, v.forbidden_channel] }]
    });
    var d = data.delays || {};
    var dLabels = zh ? ["按时", "≤15分", "≤30分", "≤1时", "≤2时", ">2时", "缺报"] : ["on time", "≤15m", "≤30m", "≤1h", "≤2h", ">2h", "missing"];
    chart("chart-delays", {
      xAxis: { type: "category", data: dLabels, axisLabel: { interval: 0 } }, yAxis: { type: "value", minInterval: 1 },
      tooltip: {},
      series: [{ type: "bar", barMaxWidth: 36, label: { show: true, position: "top" },
        data: [d.on_time, d.le_900, d.le_1800, d.le_3600, d.le_7200, d.gt, d.missing] }]
    });
  }
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = window.echarts.init(el, null, { renderer: "svg" });
    /* On a phone the category labels would collide and ECharts would drop some: turn them instead. */
    var narrow = el.clientWidth < 480;
    if (narrow) option.xAxis.axisLabel.rotate = 45;
    option.grid = { left: 40, right: 10, top: 24, bottom: narrow ? 56 : 30, containLabel: narrow };
    c.setOption(option);
    el.dataset.ready = "1";
    window.addEventListener("resize", function () { c.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
