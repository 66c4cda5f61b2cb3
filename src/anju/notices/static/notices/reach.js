// From notices/notice_detail.html (no inline script: Content-Security-Policy).
(function(){ var d = JSON.parse(JSON.parse(document.getElementById("reach-data").textContent));
  var c = echarts.init(document.getElementById("reach-chart"));
  c.setOption({tooltip:{trigger:"axis"}, legend:{data:d.labels}, grid:{left:40,right:20,bottom:30,top:30},
    xAxis:{type:"category", data:d.buildings}, yAxis:{type:"value"},
    series:[{name:d.labels[0], type:"bar", stack:"r", data:d.read, itemStyle:{color:"#1a7f37"}},
            {name:d.labels[1], type:"bar", stack:"r", data:d.unread, itemStyle:{color:"#e59f00"}}]});
})();
