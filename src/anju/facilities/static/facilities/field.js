// Field home: how many patrol scans wait on this phone to be sent (the patrol page's queue).
(function () {
  var n = 0;
  try { n = JSON.parse(localStorage.getItem("anju-patrol-queue") || "[]").length; } catch (e) { n = 0; }
  document.querySelectorAll("[data-queue-count]").forEach(function (el) { el.textContent = n; });
})();
