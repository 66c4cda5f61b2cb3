// From notices/notice_form.html (no inline script: Content-Security-Policy).
(function(){
  var scope = document.getElementById("id_audience_scope"), kind = document.getElementById("id_audience_kind");
  function sync(){
    var s = scope.value, k = kind.value;
    document.querySelectorAll("[data-audience]").forEach(function(el){
      var n = el.dataset.audience, show = true;
      if (n === "buildings") show = s === "building";
      if (n === "entrances") show = s === "entrance";
      if (n === "houses") show = s === "houses";
      if (n === "relations") show = k === "residents";
      if (n === "staff_roles") show = k === "staff";
      el.style.display = show ? "" : "none";
    });
  }
  scope.addEventListener("change", sync); kind.addEventListener("change", sync); sync();
  // The building, entrance and house pickers list the chosen community's: reload them for
  // another one (what was typed is kept as a draft).
  var community = document.getElementById("id_community");
  if (community) community.addEventListener("change", function(){
    var q = new URLSearchParams(location.search); q.set("community", community.value);
    location.search = q.toString();
  });
})();
