// Anju: small progressive enhancements. Forms keep what was typed across a bad network.
(function () {
  // Every chart follows its box when the window changes (a phone turned, a window resized):
  // echarts keeps the width it was drawn at otherwise, and the page grows wider than the screen.
  var resizing = null;
  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      document.querySelectorAll("[_echarts_instance_]").forEach(function (el) {
        var chart = window.echarts.getInstanceByDom(el);
        if (chart) chart.resize();
      });
    }, 50);
  });
  document.addEventListener("htmx:configRequest", function (e) {
    var token = document.querySelector("meta[name=csrf-token]");
    if (token) e.detail.headers["X-CSRFToken"] = token.content;
  });
  // Keep drafts of forms marked data-keep in localStorage until they are submitted.
  document.querySelectorAll("form[data-keep]").forEach(function (form) {
    var key = "anju-draft:" + location.pathname + ":" + form.dataset.keep;
    try {
      var saved = JSON.parse(localStorage.getItem(key) || "{}");
      Object.keys(saved).forEach(function (name) {
        var field = form.elements[name];
        if (field && !field.value && field.type !== "file" && field.type !== "hidden") field.value = saved[name];
      });
    } catch (err) { /* ignore broken drafts */ }
    form.addEventListener("input", function () {
      var data = {};
      Array.prototype.forEach.call(form.elements, function (f) {
        if (f.name && f.type !== "password" && f.type !== "file" && f.type !== "hidden") data[f.name] = f.value;
      });
      localStorage.setItem(key, JSON.stringify(data));
    });
    form.addEventListener("submit", function () { localStorage.removeItem(key); });
  });
  // Long multiple selects marked data-filter get a box above them that narrows the options to
  // those containing what is typed; chosen options always stay in view.
  document.querySelectorAll("select[multiple][data-filter]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.placeholder = select.dataset.filter;
    box.setAttribute("aria-label", select.dataset.filter);
    box.className = "select-filter";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var text = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = !!text && !option.selected && option.text.toLowerCase().indexOf(text) < 0;
      });
    });
  });
  // No inline handlers (Content-Security-Policy): a select or input marked data-autosubmit
  // submits its form when changed; a form or button marked data-confirm asks first.
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
  });
  document.addEventListener("click", function (e) {
    var back = e.target.closest && e.target.closest("a[data-back]");
    if (back && window.history.length > 1) { e.preventDefault(); window.history.back(); }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target, button = e.submitter;
    var message = (button && button.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) { e.preventDefault(); return; }
    // A GET form marked data-join="bills" sends its ticked boxes as one list, ?bills=1,2
    // (without script the browser sends ?bills=1&bills=2).
    var join = form.dataset.join;
    if (join && form.method.toLowerCase() === "get") {
      var picked = Array.prototype.filter.call(form.elements, function (f) {
        return f.name === join && f.checked;
      }).map(function (f) { return f.value; });
      e.preventDefault();
      if (!picked.length) return;
      window.location.href = form.action + "?" + join + "=" + picked.map(encodeURIComponent).join(",");
    }
  });
})();
