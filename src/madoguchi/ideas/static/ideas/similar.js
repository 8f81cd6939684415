// SHIN-QA: while a question's title is typed, similar existing questions are suggested (the site
// search through GET …/questions/similar). Without JavaScript the 「似た質問をさがす」 button does
// the same with a POST.
(function () {
  "use strict";
  var box = document.getElementById("similar-live");
  var title = document.getElementById("id_title");
  if (!box || !title || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  var timer = null;
  var last = "";
  function show(items) {
    var list = box.querySelector("ul");
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.title;
      li.appendChild(a);
      if (item.has_official_answer) {
        var span = document.createElement("span");
        span.className = "meta";
        span.textContent = " " + box.getAttribute("data-official");
        li.appendChild(span);
      }
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
  }
  function look() {
    var text = title.value.trim();
    if (text === last) { return; }
    last = text;
    if (text.length < 4) { show([]); return; }
    fetch(url + "?title=" + encodeURIComponent(text), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) { if (title.value.trim() === text) { show(items); } })
      .catch(function () { show([]); });
  }
  title.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(look, 500);
  });
})();
