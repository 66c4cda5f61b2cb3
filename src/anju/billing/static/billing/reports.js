// Collection rates chart (billing/reports.html); labels from #rate-chart's data-*.
document.addEventListener("DOMContentLoaded", function () {
  var data = JSON.parse(JSON.parse(document.getElementById("rate-data").textContent));
  var t = document.getElementById("rate-chart").dataset;
  var chart = echarts.init(document.getElementById("rate-chart"));
  chart.setOption({tooltip: {trigger: "axis"}, legend: {},
    xAxis: {type: "category", data: data.periods}, yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
    series: [{name: t.amount, type: "line", data: data.amount},
             {name: t.households, type: "line", data: data.households},
             {name: t.recovery, type: "bar", data: data.recovery}]});
});
