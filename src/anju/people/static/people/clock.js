// Clocking in fills the phone's position into the form (clock.html); the server checks the geofence.
(function () {
  var status = document.querySelector("[data-location-status]");
  if (!navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition(function (p) {
    document.querySelectorAll("input[name=lat]").forEach(function (i) { i.value = p.coords.latitude.toFixed(6); });
    document.querySelectorAll("input[name=lng]").forEach(function (i) { i.value = p.coords.longitude.toFixed(6); });
    if (status) { status.hidden = false; }
    document.body.setAttribute("data-located", "1");
  }, function () {}, {timeout: 8000, enableHighAccuracy: true});
})();
