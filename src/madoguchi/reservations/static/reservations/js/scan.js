// Progressive enhancement for the staff check-in page: read the QR code with the camera
// where the browser has BarcodeDetector. Without it (or without JavaScript) staff type the
// code, or scan the QR code with any camera app, which opens this page with ?code=.
(function () {
  "use strict";
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  var button = document.getElementById("scan-button");
  var video = document.getElementById("scan-video");
  var input = document.getElementById("id_code");
  var form = document.getElementById("checkin-form");
  if (!button || !video || !input || !form) { return; }
  button.classList.remove("hidden");
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.classList.remove("hidden");
      video.play();
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            var text = codes[0].rawValue || "";
            var match = text.match(/[?&]code=([A-Za-z0-9-]+)/);
            input.value = match ? match[1] : text;
            stream.getTracks().forEach(function (t) { t.stop(); });
            form.submit();
          } else {
            window.requestAnimationFrame(tick);
          }
        }).catch(function () { window.requestAnimationFrame(tick); });
      };
      tick();
    }).catch(function () { button.classList.add("hidden"); });
  });
})();
