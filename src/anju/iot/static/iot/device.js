// Charts of iot/device_detail.html, from its JSON data block.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  var d = JSON.parse(document.getElementById("device-data").textContent);
  var chart = echarts.init(document.getElementById("chart-readings"));
  chart.setOption({tooltip: {trigger: "axis"}, legend: {}, xAxis: {type: "time"}, yAxis: {type: "value", scale: true},
    series: Object.keys(d.series).map(function (m) { return {name: m, type: "line", showSymbol: false, step: d.series[m].length < 50 ? "end" : false, data: d.series[m]}; })});
  var charts = [chart];
  var usageBox = document.getElementById("chart-usage");
  if (usageBox) {
    var usage = echarts.init(usageBox);
    usage.setOption({tooltip: {trigger: "axis"}, xAxis: {type: "category", data: d.usage.map(function (r) { return r[0].slice(5); })},
      yAxis: {type: "value"}, series: [{name: d.usage_name, type: "bar", data: d.usage.map(function (r) { return Math.round(r[1] * 100) / 100; })}]});
    charts.push(usage);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
