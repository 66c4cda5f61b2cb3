// Service KPIs charts (servicedesk/kpis.html); labels from #kpi-labels.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  var d = JSON.parse(document.getElementById("kpi-data").textContent);
  var k = JSON.parse(d);
  var t = JSON.parse(document.getElementById("kpi-labels").textContent);
  var daily = echarts.init(document.getElementById("chart-daily"));
  daily.setOption({tooltip: {trigger: "axis"}, legend: {data: [t.opened, t.resolved]},
    xAxis: {type: "category", data: k.kpis.daily.map(function (r) { return r.date.slice(5); })}, yAxis: {type: "value"},
    series: [{name: t.opened, type: "bar", data: k.kpis.daily.map(function (r) { return r.opened; })},
             {name: t.resolved, type: "line", data: k.kpis.daily.map(function (r) { return r.resolved; })}]});
  var pct = function (v) { return v === null ? null : Math.round(v * 1000) / 10; };
  var compare = echarts.init(document.getElementById("chart-compare"));
  compare.setOption({tooltip: {trigger: "axis"}, legend: {}, xAxis: {type: "category", data: k.compare.map(function (r) { return r.name; })},
    yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
    series: [["accept", t.accept], ["arrive", t.arrival], ["resolve", t.resolution]].map(function (s) {
      return {name: s[1], type: "bar", data: k.compare.map(function (r) { return pct(r[s[0]]); })}; })});
  var cat = echarts.init(document.getElementById("chart-category"));
  cat.setOption({tooltip: {trigger: "item"}, series: [{type: "pie", radius: ["35%", "70%"],
    data: k.kpis.backlog.by_category.map(function (r) { return {name: r.label, value: r.count}; })}]});
  window.addEventListener("resize", function () { daily.resize(); compare.resize(); cat.resize(); });
});
