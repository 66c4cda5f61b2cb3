/* The resident's pay pages (billing/portal_pay.html, portal_pay_status.html), no inline script
   (CSP). Pay page: the total follows the ticked bills (in fen, no floats) and bills of one home
   only. Status page: inside WeChat, WeixinJSBridge.invoke('getBrandWCPayRequest', params) with
   the parameters the server signed; then, and for the QR code / H5 / Alipay, poll the payment's
   status until the provider's notification has come in. */
(function () {
  "use strict";

  function fen(text) {
    var parts = String(text).split(".");
    var cents = (parts[1] || "").concat("00").slice(0, 2);
    return parseInt(parts[0], 10) * 100 + parseInt(cents, 10);
  }

  function yuan(f) {
    var c = String(f % 100);
    return "¥" + Math.floor(f / 100).toLocaleString("en-US") + "." + (c.length < 2 ? "0" + c : c);
  }

  function payPage(form) {
    var boxes = form.querySelectorAll("input[name=bills]");
    var total = document.getElementById("pay-total");
    var note = document.getElementById("pay-one-home");
    var buttons = form.querySelectorAll("button[name=channel]");
    function update(changed) {
      if (changed && changed.checked) {  // one home at a time: ticking untick the others
        boxes.forEach(function (b) {
          if (b.dataset.house !== changed.dataset.house && b.checked) {
            b.checked = false;
            if (note) note.hidden = false;
          }
        });
      }
      var sum = 0, any = false;
      boxes.forEach(function (b) { if (b.checked) { sum += fen(b.dataset.fen); any = true; } });
      if (total) total.textContent = yuan(sum);
      buttons.forEach(function (btn) { btn.disabled = !any; });
    }
    boxes.forEach(function (b) { b.addEventListener("change", function () { update(b); }); });
    update(null);
  }

  function statusPage(box) {
    var url = box.dataset.statusUrl;
    var timer = null;
    var tries = 0;
    function show(id, on) { var el = document.getElementById(id); if (el) el.hidden = !on; }
    function paid(data) {
      show("pay-waiting", false);
      var state = document.getElementById("pay-state");
      if (state) state.hidden = true;
      show("pay-done", true);
      show("pay-qr", false);
      show("wx-invoke", false);
      show("pay-cancel-form", false);
      var receipt = document.getElementById("pay-receipt");
      if (receipt && data.receipt_url) {
        receipt.href = data.receipt_url;
        document.getElementById("pay-receipt-number").textContent = data.receipt_number || "";
        receipt.hidden = false;
      }
    }
    function poll() {
      tries += 1;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.status === "succeeded") { paid(data); return; }
          if (data && data.status === "failed") { show("pay-cancelled", true); return; }
          timer = setTimeout(poll, tries < 30 ? 2000 : 5000);
        })
        .catch(function () { timer = setTimeout(poll, 5000); });
    }
    function startPolling() { if (!timer) { timer = setTimeout(poll, 1000); } }

    var params = document.getElementById("jsapi-params");
    if (params) {
      var args = JSON.parse(params.textContent);
      var invoke = function () {
        if (typeof window.WeixinJSBridge === "undefined") return;
        window.WeixinJSBridge.invoke("getBrandWCPayRequest", args, function (res) {
          var msg = res && res.err_msg;
          if (msg === "get_brand_wcpay_request:ok") {
            show("wx-invoke", false);
            startPolling();  // WeChat's answer is not proof: the notification is
          } else {
            show("pay-cancelled", true);
          }
        });
      };
      var button = document.getElementById("wx-invoke");
      if (button) button.addEventListener("click", invoke);
      if (typeof window.WeixinJSBridge === "undefined") {
        document.addEventListener("WeixinJSBridgeReady", invoke, false);
      } else {
        invoke();
      }
    }
    if (box.dataset.status === "pending") startPolling();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("pay-form");
    if (form) payPage(form);
    var box = document.getElementById("pay-status");
    if (box) statusPage(box);
  });
})();
