// Camera QR scanning for the phone pages (patrol checkpoints, inspection points, asset labels).
//
// Markup: a button with data-scan="<id of the text input>" (its label is the page's, translated)
// and optional data-scan-close / data-scan-denied / data-scan-unsupported / data-scan-hint texts.
// A tap opens the rear camera full screen; the first QR code read fills the input, which stays
// the typed fallback, and submits the input's form the same way a typed code is submitted (the
// patrol page's off-line queue included). The native BarcodeDetector is used where the browser
// has it, else jsQR (vendor/jsQR.js, loaded before this file) on video frames drawn to a canvas.
// No inline script, no eval: the page's Content-Security-Policy allows neither.
(function () {
  "use strict";

  var detector = null;
  function nativeDetector() {
    if (detector !== null) return Promise.resolve(detector);
    if (!("BarcodeDetector" in window)) { detector = false; return Promise.resolve(false); }
    var make = function () {
      try { detector = new window.BarcodeDetector({formats: ["qr_code"]}); } catch (e) { detector = false; }
      return detector;
    };
    if (window.BarcodeDetector.getSupportedFormats) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") < 0) { detector = false; return false; }
        return make();
      }, function () { detector = false; return false; });
    }
    return Promise.resolve(make());
  }

  // The text of a QR code in an ImageData (or null): exposed for tests and other pages.
  function decodeImageData(image) {
    if (!window.jsQR) return null;
    var found = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "attemptBoth"});
    return found && found.data ? found.data : null;
  }

  function style(el, rules) { Object.keys(rules).forEach(function (k) { el.style[k] = rules[k]; }); return el; }

  function overlay(button) {
    var box = style(document.createElement("div"), {
      position: "fixed", inset: "0", zIndex: "1000", background: "#000",
      display: "flex", flexDirection: "column", alignItems: "stretch", justifyContent: "center"
    });
    box.className = "scan-overlay";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    var video = style(document.createElement("video"), {width: "100%", maxHeight: "75vh", objectFit: "cover", background: "#000"});
    video.setAttribute("playsinline", "");
    video.setAttribute("muted", "");
    video.muted = true;
    var hint = style(document.createElement("p"), {color: "#fff", textAlign: "center", margin: ".8rem 1rem", fontSize: "1.05rem"});
    hint.className = "scan-hint";
    hint.setAttribute("aria-live", "polite");
    hint.textContent = button.dataset.scanHint || "";
    var close = style(document.createElement("button"), {
      minHeight: "52px", margin: "0 1rem 1.2rem", fontSize: "1.1rem", borderRadius: "10px",
      border: "0", background: "#fff", color: "#111"
    });
    close.type = "button";
    close.className = "scan-close";
    close.textContent = button.dataset.scanClose || "×";
    box.appendChild(video); box.appendChild(hint); box.appendChild(close);
    document.body.appendChild(box);
    return {box: box, video: video, hint: hint, close: close};
  }

  function fill(input, text) {
    input.value = text;
    input.dispatchEvent(new Event("input", {bubbles: true}));
    var form = input.form;
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit();
    else form.dispatchEvent(new Event("submit", {bubbles: true, cancelable: true}));
  }

  function open(button) {
    var input = document.getElementById(button.dataset.scan);
    if (!input) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      input.focus();
      if (button.dataset.scanUnsupported) alert(button.dataset.scanUnsupported);
      return;
    }
    var ui = overlay(button);
    var stream = null, done = false, canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d", {willReadFrequently: true});

    function stop() {
      done = true;
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      if (ui.box.parentNode) ui.box.parentNode.removeChild(ui.box);
      button.focus();
    }
    function found(text) {
      if (done || !text) return;
      stop();
      fill(input, text.trim());
    }
    ui.close.addEventListener("click", function () { stop(); input.focus(); });
    document.addEventListener("keydown", function esc(e) {
      if (e.key === "Escape") { document.removeEventListener("keydown", esc); if (!done) { stop(); input.focus(); } }
    });

    function frame(native) {
      if (done) return;
      var v = ui.video;
      if (v.readyState < 2 || !v.videoWidth) { setTimeout(function () { frame(native); }, 100); return; }
      if (native) {
        native.detect(v).then(function (codes) {
          if (codes && codes.length) found(codes[0].rawValue);
          else setTimeout(function () { frame(native); }, 120);
        }, function () { frame(false); });
        return;
      }
      var scale = Math.min(1, 800 / Math.max(v.videoWidth, v.videoHeight));
      canvas.width = Math.round(v.videoWidth * scale);
      canvas.height = Math.round(v.videoHeight * scale);
      ctx.drawImage(v, 0, 0, canvas.width, canvas.height);
      var text = decodeImageData(ctx.getImageData(0, 0, canvas.width, canvas.height));
      if (text) found(text);
      else setTimeout(function () { frame(false); }, 150);
    }

    navigator.mediaDevices.getUserMedia({video: {facingMode: {ideal: "environment"}}, audio: false})
      .then(function (s) {
        stream = s;
        if (done) { stop(); return; }
        ui.video.srcObject = s;
        var played = ui.video.play();
        if (played && played.catch) played.catch(function () {});
        return nativeDetector().then(function (native) { frame(native || false); });
      })
      .catch(function () {
        ui.hint.textContent = button.dataset.scanDenied || "";
        ui.video.style.display = "none";
      });
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button[data-scan]");
    if (!button) return;
    e.preventDefault();
    open(button);
  });

  window.anjuScan = {decodeImageData: decodeImageData, fill: fill};
})();
