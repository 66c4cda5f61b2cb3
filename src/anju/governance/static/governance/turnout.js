// Turnout against the thresholds (governance/_turnout_chart.html); numbers from #turnout-data.
(function () {
  var el = document.getElementById("turnout-chart"), data = document.getElementById("turnout-data");
  if (!window.echarts || !el || !data) return;
  var d = JSON.parse(data.textContent);
  var chart = echarts.init(el);
  chart.setOption({
    grid: {left: 110, right: 30, top: 20, bottom: 30},
    xAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
    yAxis: {type: "category", data: d.labels},
    series: [{type: "bar", data: d.values,
      label: {show: true, position: "right", formatter: "{c}%"},
      markLine: {symbol: "none", data: [{xAxis: d.quorum, name: d.quorum_label}, {xAxis: d.approval, name: d.approval_label}],
        label: {formatter: "{b} {c}%"}}}]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
