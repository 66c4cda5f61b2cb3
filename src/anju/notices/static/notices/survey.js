// From notices/survey_detail.html (no inline script: Content-Security-Policy).
(function(){ var d = JSON.parse(JSON.parse(document.getElementById("survey-data").textContent));
  var el = document.getElementById("dim-chart");
  if (el) echarts.init(el).setOption({tooltip:{trigger:"axis"}, legend:{data:d.labels}, grid:{left:40,right:20,bottom:60,top:30},
    xAxis:{type:"category", data:d.dimensions, axisLabel:{interval:0, rotate:20}}, yAxis:{type:"value", min:0, max:100},
    series:[{name:d.labels[0], type:"bar", data:d.current, itemStyle:{color:"#1d6fd8"}}, {name:d.labels[1], type:"bar", data:d.previous, itemStyle:{color:"#9bb4d3"}}]});
  var c = document.getElementById("comm-chart");
  if (c) echarts.init(c).setOption({tooltip:{}, grid:{left:80,right:20,bottom:30,top:10}, xAxis:{type:"value", min:0, max:100},
    yAxis:{type:"category", data:d.communities}, series:[{type:"bar", data:d.community_scores, itemStyle:{color:"#1a7f37"}}]});
})();
