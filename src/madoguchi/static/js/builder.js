/* Drag and drop for the builder's field list. Without this file the 上へ/下へ buttons do
 * the same. A dropped field is sent as op=move_field_to to the same URL the buttons use,
 * and the page reloads to show the saved order (or the server's message). */
(function () {
  "use strict";
  var root = document.getElementById("builder");
  if (!root || !window.fetch || !("draggable" in document.createElement("li"))) return;
  var url = root.getAttribute("data-operate-url");
  var revision = root.getAttribute("data-revision");
  var token = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  var dragged = null;

  function clearMarks() {
    root.querySelectorAll(".drop-before").forEach(function (el) { el.classList.remove("drop-before"); });
  }

  function send(key, stepKey, position) {
    var body = new URLSearchParams();
    body.set("csrfmiddlewaretoken", token);
    body.set("op", "move_field_to");
    body.set("key", key);
    body.set("step_key", stepKey);
    body.set("position", String(position));
    body.set("revision", revision);
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": token } })
      .then(function () { window.location.hash = "field-" + key; window.location.reload(); })
      .catch(function () { window.location.reload(); });
  }

  root.querySelectorAll(".builder-field").forEach(function (item) {
    item.setAttribute("draggable", "true");
    var handle = item.querySelector(".drag-handle");
    if (handle) handle.hidden = false;
    item.addEventListener("dragstart", function (event) {
      dragged = item;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.getAttribute("data-key"));
    });
    item.addEventListener("dragend", function () { item.classList.remove("dragging"); clearMarks(); dragged = null; });
    item.addEventListener("dragover", function (event) {
      if (!dragged || dragged === item) return;
      event.preventDefault();
      clearMarks();
      item.classList.add("drop-before");
    });
    item.addEventListener("drop", function (event) {
      if (!dragged || dragged === item) return;
      event.preventDefault();
      var list = item.parentElement;
      var items = Array.prototype.filter.call(list.children, function (el) { return el !== dragged; });
      send(dragged.getAttribute("data-key"), list.getAttribute("data-step"), items.indexOf(item));
    });
  });
  root.querySelectorAll(".builder-step").forEach(function (section) {
    section.addEventListener("dragover", function (event) { if (dragged) event.preventDefault(); });
    section.addEventListener("drop", function (event) {
      if (!dragged || event.target.closest(".builder-field")) return;
      event.preventDefault();
      var list = section.querySelector(".builder-fields");
      var count = list ? Array.prototype.filter.call(list.children, function (el) { return el !== dragged; }).length : 0;
      send(dragged.getAttribute("data-key"), section.getAttribute("data-step"), count);
    });
  });
})();
