// 获取验证码: post the phone to /app/sms-code/ and count down 60 s before the next ask.
(function () {
  function start(button, seconds) {
    var label = button.getAttribute("data-label");
    var left = seconds;
    button.disabled = true;
    function tick() {
      if (left <= 0) { button.disabled = false; button.textContent = label; return; }
      button.textContent = button.getAttribute("data-wait") + " (" + left + "s)";
      left -= 1;
      setTimeout(tick, 1000);
    }
    tick();
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-send-code]");
    if (!button) return;
    event.preventDefault();
    var form = button.form;
    var status = document.getElementById("code-status");
    var body = new FormData();
    body.append("phone", form.querySelector("[name=phone]").value);
    body.append("purpose", button.getAttribute("data-purpose"));
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    fetch(button.getAttribute("data-url"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (answer) { return answer.json().then(function (data) { return [answer.status, data]; }); })
      .then(function (result) {
        var data = result[1];
        if (result[0] === 202) {
          status.textContent = button.getAttribute("data-sent");
          start(button, 60);
        } else {
          status.textContent = (data.error && data.error.message) || "";
          if (data.error && data.error.retry_after) start(button, Math.min(data.error.retry_after, 60));
        }
      });
  });
})();
