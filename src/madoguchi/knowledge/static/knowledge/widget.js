/* Madoguchi FAQ chat widget. Add to a page of this site:
 *   <script src="/static/knowledge/widget.js" defer></script>
 * Without JavaScript, links marked data-madoguchi-chat (or the chat page itself) keep working.
 * Answers come from GET /api/v1/chat?message=… ; all text is inserted as text, never as HTML,
 * except FAQ answers, which the server has sanitized. */
(function () {
  "use strict";
  var ja = (document.documentElement.lang || "ja").indexOf("en") !== 0;
  var T = ja ? {
    open: "質問する", close: "閉じる", title: "よくある質問から探します", label: "ご質問",
    send: "送信", none: "ご質問に合う回答が見つかりませんでした。", inquiry: "お問い合わせフォームへ",
    choose: "どれについて知りたいですか？", more: "ほかの候補", source: "出典:", error: "通信できませんでした。時間をおいてもう一度お試しください。",
    empty: "質問を入力してください。", online: "オンラインで手続きできます。"
  } : {
    open: "Ask a question", close: "Close", title: "Search our FAQ", label: "Your question",
    send: "Send", none: "No matching answer was found.", inquiry: "Contact form",
    choose: "Which one do you mean?", more: "Other answers", source: "Source:", error: "Could not connect. Please try again later.",
    empty: "Please enter a question.", online: "You can apply online:"
  };
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }
  function faqLink(faq) { return el("a", { href: faq.url }, faq.question); }
  function render(log, data) {
    var box = el("div", { "class": "chat-bot" });
    if (data.kind === "answer" && data.best) {
      var h = el("p", { "class": "bot-label" }); h.appendChild(faqLink(data.best)); box.appendChild(h);
      var answer = el("div", { "class": "answer" });
      answer.innerHTML = data.best.answer; /* sanitized on the server (knowledge/sanitize.py) */
      box.appendChild(answer);
      box.appendChild(el("p", { "class": "meta source" }, T.source + " " + data.best.source));
      if (data.alternatives.length) {
        box.appendChild(el("p", { "class": "bot-label" }, T.more));
        var ul = el("ul");
        data.alternatives.forEach(function (f) { var li = el("li"); li.appendChild(faqLink(f)); ul.appendChild(li); });
        box.appendChild(ul);
      }
    } else if (data.kind === "smalltalk" && data.message) {
      box.appendChild(el("p", { "class": "bot-label" }, data.message));
      if (data.contact) { box.appendChild(el("p", { "class": "hint" }, data.contact)); }
      if (!data.handover) { log.appendChild(box); return; }
    } else if (data.kind === "clarify") {
      box.appendChild(el("p", { "class": "bot-label" }, T.choose));
      var list = el("ul");
      data.choices.forEach(function (f) { var li = el("li"); li.appendChild(faqLink(f)); list.appendChild(li); });
      box.appendChild(list);
    } else {
      box.appendChild(el("p", { "class": "bot-label" }, T.none));
    }
    if (data.procedures && data.procedures.length) {
      box.appendChild(el("p", { "class": "bot-label" }, T.online));
      var procs = el("ul");
      data.procedures.forEach(function (p) { var li = el("li"); li.appendChild(el("a", { href: p.url }, p.title)); procs.appendChild(li); });
      box.appendChild(procs);
    }
    var more = el("p"); more.appendChild(el("a", { href: data.inquiry_url }, T.inquiry)); box.appendChild(more);
    log.appendChild(box);
  }
  function init() {
    if (document.querySelector(".mdg-chat-toggle")) { return; }
    var toggle = el("button", { type: "button", "class": "button mdg-chat-toggle", "aria-expanded": "false", "aria-controls": "mdg-chat-panel" }, T.open);
    var panel = el("section", { id: "mdg-chat-panel", "class": "mdg-chat-panel", "aria-label": T.title });
    panel.hidden = true;
    panel.appendChild(el("p", { "class": "bot-label" }, T.title));
    var log = el("div", { "class": "chat-log", "aria-live": "polite" });
    var form = el("form", { action: "/help/chat", method: "post" });
    var label = el("label", { "for": "mdg-chat-q" }, T.label);
    var input = el("textarea", { id: "mdg-chat-q", name: "q", rows: "2", maxlength: "200" });
    var error = el("p", { "class": "error-message", id: "mdg-chat-error" }); error.hidden = true;
    var send = el("button", { type: "submit", "class": "button" }, T.send);
    form.appendChild(label); form.appendChild(error); form.appendChild(input); form.appendChild(send);
    panel.appendChild(log); panel.appendChild(form);
    toggle.addEventListener("click", function () {
      panel.hidden = !panel.hidden;
      toggle.setAttribute("aria-expanded", String(!panel.hidden));
      toggle.textContent = panel.hidden ? T.open : T.close;
      if (!panel.hidden) { input.focus(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var message = input.value.trim();
      if (!message) {
        error.textContent = T.empty; error.hidden = false;
        input.setAttribute("aria-describedby", "mdg-chat-error"); input.focus(); return;
      }
      error.hidden = true; input.removeAttribute("aria-describedby");
      log.appendChild(el("p", { "class": "chat-you" }, message));
      input.value = "";
      fetch("/api/v1/chat?message=" + encodeURIComponent(message), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (data) { render(log, data); })
        .catch(function () { log.appendChild(el("p", { "class": "error-message" }, T.error)); });
    });
    document.body.appendChild(toggle);
    document.body.appendChild(panel);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
