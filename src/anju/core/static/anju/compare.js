// Communities compared: the chart of the chosen measure (console/compare.html).
(function () {
  if (!window.echarts) return;
  var data = JSON.parse(document.getElementById("compare-chart").textContent);
  var names = JSON.parse(document.getElementById("compare-names").textContent);
  var chart = echarts.init(document.getElementById("chart-compare"));
  var pick = document.getElementById("chart-metric");
  function draw() {
    var m = data[Number(pick.value)];
    var unit = m.unit === "%" ? "%" : "";
    chart.setOption({tooltip: {trigger: "axis"}, grid: {left: 60, right: 20},
      xAxis: {type: "category", data: names}, yAxis: {type: "value", axisLabel: {formatter: "{value}" + unit}},
      series: [{name: m.label, type: "bar", data: m.values, label: {show: true, position: "top", formatter: function (p) { return p.value === null ? "—" : (Math.round(p.value * 10) / 10) + unit; }}}]}, true);
  }
  pick.addEventListener("change", draw);
  draw();
  window.addEventListener("resize", function () { chart.resize(); });
})();
