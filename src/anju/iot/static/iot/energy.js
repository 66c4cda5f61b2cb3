// Charts of iot/energy.html, from its JSON data block.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  var d = JSON.parse(document.getElementById("energy-data").textContent);
  var chart = echarts.init(document.getElementById("chart-energy"));
  var kinds = Object.keys(d);
  chart.setOption({tooltip: {trigger: "axis"}, legend: {}, xAxis: {type: "time"},
    yAxis: kinds.map(function (k, i) { return {type: "value", name: k, position: i ? "right" : "left"}; }),
    series: kinds.map(function (k, i) { return {name: k, type: "bar", yAxisIndex: i, data: d[k]}; })});
  window.addEventListener("resize", function () { chart.resize(); });
});
