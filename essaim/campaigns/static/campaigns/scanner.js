// The hosts' ticket scanner on an event page: reads an attendee's QR code with the camera
// (or from a photo, where the page is not served over HTTPS and browsers refuse the camera),
// then checks them in through the same form as a typed code. Everything it needs is served
// by the instance (jsQR, copied from the npm registry by `make vendor`): it works offline.
(function () {
  "use strict";
  const scanner = document.querySelector("[data-scanner]");
  if (!scanner || typeof window.jsQR !== "function") return;
  const form = document.getElementById(scanner.dataset.scanner);
  const input = form.querySelector('input[name="token"]');
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const video = scanner.querySelector("video");
  const status = scanner.querySelector("[data-scan-status]");

  // A ticket's QR code holds the event's URL with ?ticket=<token>; a bare token works too.
  function tokenOf(text) {
    try {
      return new URL(text, window.location.href).searchParams.get("ticket") || text;
    } catch (error) {
      return text;
    }
  }

  function decode(source, width, height) {
    if (!width || !height) return false;
    canvas.width = width;
    canvas.height = height;
    context.drawImage(source, 0, 0, width, height);
    const pixels = context.getImageData(0, 0, width, height);
    const code = window.jsQR(pixels.data, width, height);
    if (!code || !code.data) return false;
    input.value = tokenOf(code.data);
    form.requestSubmit();
    return true;
  }

  scanner.querySelector("[data-scan-photo]").addEventListener("change", function (event) {
    const file = event.target.files[0];
    if (!file) return;
    const image = new Image();
    image.onload = function () {
      if (!decode(image, image.naturalWidth, image.naturalHeight)) {
        status.textContent = status.dataset.notFound;
      }
      URL.revokeObjectURL(image.src);
    };
    image.src = URL.createObjectURL(file);
  });

  const start = scanner.querySelector("[data-scan-start]");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    start.hidden = true;
    return;
  }
  start.addEventListener("click", function () {
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        function frame() {
          if (decode(video, video.videoWidth, video.videoHeight)) {
            stream.getTracks().forEach(function (track) { track.stop(); });
            return;
          }
          window.requestAnimationFrame(frame);
        }
        window.requestAnimationFrame(frame);
      })
      .catch(function () {
        status.textContent = status.dataset.noCamera;
      });
  });
})();
