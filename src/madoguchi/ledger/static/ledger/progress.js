// Live progress of a ledger job (upload, matching). Without JavaScript the page refreshes itself
// (a <noscript> refresh) and has a link to stop that; with it, this polls the JSON status.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var doneUrl = box.getAttribute("data-done-url");
  function set(name, value) {
    var el = box.querySelector('[data-progress="' + name + '"]');
    if (el) { el.textContent = value; }
  }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { return; }
        set("status_label", p.status_label);
        set("done", p.done);
        set("total", p.total);
        set("errors", p.errors);
        set("message", p.message || "");
        set("time_left", p.minutes_left ? box.getAttribute("data-minutes").replace("%s", p.minutes_left) : "-");
        var bar = box.querySelector("[data-progress-bar]");
        if (bar) { bar.value = p.percent; }
        if (p.running) { window.setTimeout(tick, 2000); }
        else { window.location.assign(doneUrl || window.location.pathname + "?auto=0"); }
      })
      .catch(function () { window.setTimeout(tick, 5000); });
  }
  window.setTimeout(tick, 1000);
})();
