// An inspection records where it was done, when the phone allows (field_inspection.html).
if (navigator.geolocation) navigator.geolocation.getCurrentPosition(function (p) {
  document.querySelectorAll("input[name=latitude]").forEach(function (i) { i.value = p.coords.latitude.toFixed(6); });
  document.querySelectorAll("input[name=longitude]").forEach(function (i) { i.value = p.coords.longitude.toFixed(6); });
}, function () {}, {timeout: 5000});
