// Facilities dashboard charts (facilities/dashboard.html); labels from #compliance-chart's data-*.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  var data = function (id) { return JSON.parse(document.getElementById(id).textContent); };
  var t = document.getElementById("compliance-chart").dataset;
  var c = echarts.init(document.getElementById("compliance-chart"));
  c.setOption({
    tooltip: {trigger: "axis"}, legend: {data: [t.compliance, t.missed]},
    xAxis: {type: "category", data: data("c-days")},
    yAxis: [{type: "value", max: 100, name: "%"}, {type: "value", name: t.missed, minInterval: 1}],
    series: [{name: t.compliance, type: "line", data: data("c-rates"), smooth: true},
             {name: t.missed, type: "bar", yAxisIndex: 1, data: data("c-missed"), itemStyle: {color: "#b42318"}}]
  });
  var ages = data("h-ages");
  var h = echarts.init(document.getElementById("hazard-chart"));
  h.setOption({tooltip: {}, xAxis: {type: "category", data: ages.map(function (a) { return a[0]; })},
               yAxis: {type: "value", minInterval: 1},
               series: [{type: "bar", data: ages.map(function (a) { return a[1]; }), itemStyle: {color: "#e59f00"}}]});
});
