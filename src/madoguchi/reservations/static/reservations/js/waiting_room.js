// Progressive enhancement for the waiting room's queue page: reload the page after the time
// the server suggested (Retry-After), say so, and let the person stop it (WCAG 2.2.1). Without
// JavaScript the page asks the person to press "reload now" after that time; it never
// refreshes by itself (no <meta http-equiv="refresh">).
(function () {
  "use strict";
  var box = document.getElementById("wr-auto");
  var status = document.getElementById("wr-auto-status");
  var toggle = document.getElementById("wr-auto-toggle");
  var manual = document.getElementById("wr-manual");  // "press reload now": the page does it
  if (!box || !status || !toggle) { return; }
  var seconds = parseInt(box.getAttribute("data-retry-after"), 10);
  if (!(seconds > 0)) { return; }
  var timer = null;
  function start() {
    timer = window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
    status.textContent = box.getAttribute("data-running");
    if (manual) { manual.hidden = true; }
    toggle.textContent = box.getAttribute("data-stop");
  }
  function stop() {
    window.clearTimeout(timer);
    timer = null;
    status.textContent = box.getAttribute("data-stopped");
    if (manual) { manual.hidden = false; }
    toggle.textContent = box.getAttribute("data-start");
  }
  toggle.addEventListener("click", function () { if (timer) { stop(); } else { start(); } });
  box.hidden = false;
  start();
}());
