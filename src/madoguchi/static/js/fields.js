/* Progressive enhancement for procedure fields. Everything works without this file.
 * - show_if: fields with data-show-if are hidden while their condition does not hold,
 *   using the answers on the same page (the server checks again on submit).
 * - 住所検索: the 「郵便番号から住所を入力」 button fills the address from
 *   GET /api/v1/postal-codes/{code} without reloading; on any failure the button
 *   submits the form as usual so the server does the lookup.
 */
(function () {
  "use strict";

  function form(el) { return el.closest("form") || document; }

  function values(root, name) {
    var out = [];
    root.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (input) {
      if ((input.type === "checkbox" || input.type === "radio") && !input.checked) return;
      if (input.value !== "") out.push(input.value);
    });
    return out;
  }

  function holds(cond, root) {
    if (cond.all) return cond.all.every(function (c) { return holds(c, root); });
    if (cond.any) return cond.any.some(function (c) { return holds(c, root); });
    if (cond.not) return !holds(cond.not, root);
    var present = values(root, cond.field);
    if (present.length === 0 && !root.querySelector('[name="' + CSS.escape(cond.field) + '"]')) {
      return null; // answered on another page: the server already decided
    }
    if ("equals" in cond) return present.indexOf(String(cond.equals)) !== -1;
    if ("in" in cond) return cond["in"].some(function (v) { return present.indexOf(String(v)) !== -1; });
    if ("not_empty" in cond) return (present.length > 0) === Boolean(cond.not_empty);
    return null;
  }

  function refresh(root) {
    root.querySelectorAll("[data-show-if]").forEach(function (field) {
      var cond;
      try { cond = JSON.parse(field.getAttribute("data-show-if")); } catch (e) { return; }
      var result = holds(cond, root);
      if (result === null) return;
      field.hidden = !result;
      // The applicant page may wrap a conditional field with its condition hint.
      var wrapper = field.parentElement;
      if (wrapper && wrapper.classList.contains("conditional") &&
          wrapper.querySelectorAll("[data-show-if]").length === 1) wrapper.hidden = !result;
      field.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !result; });
    });
  }

  function setValue(el, value) {
    if (!el) return;
    el.value = value;
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function lookup(button, event) {
    var key = button.getAttribute("data-postal-lookup");
    var base = button.getAttribute("data-lookup-url");
    var root = form(button);
    var byId = function (part) { return document.getElementById("id_" + key + "." + part); };
    var code = (byId("postal_code") || {}).value || "";
    var status = document.getElementById("id_" + key + "-lookup-status");
    if (!base || !window.fetch) return; // let the form submit
    event.preventDefault();
    var digits = code.normalize("NFKC").replace(/[^0-9]/g, "");
    if (digits.length !== 7) {
      status.textContent = "郵便番号を7桁の数字で入力してください（例: 160-0022）。";
      byId("postal_code").focus();
      return;
    }
    status.textContent = "住所を検索しています…";
    fetch(base + encodeURIComponent(digits), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 404) {
          status.textContent = "この郵便番号の住所は見つかりませんでした。番号をご確認いただくか、住所を直接入力してください。";
          return null;
        }
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        if (!data) return;
        var first = data.addresses[0];
        setValue(byId("postal_code"), data.postal_code);
        setValue(byId("prefecture"), first.prefecture);
        var cities = data.addresses.map(function (a) { return a.city; });
        if (cities.every(function (c) { return c === first.city; })) setValue(byId("city"), first.city);
        var street = byId("street");
        if (data.addresses.length > 1) {
          status.textContent = "この郵便番号には複数の地域があります（" +
            data.addresses.map(function (a) { return a.city + a.town; }).join("、") + "）。町名・番地を入力してください。";
        } else if (street && street.value.trim() === "") {
          setValue(street, first.town);
          status.textContent = "住所を入力しました。続けて番地を入力してください。";
        } else {
          status.textContent = "都道府県と市区町村を入力しました。町名・番地は入力済みの内容のままです。";
        }
        if (street) street.focus();
      })
      .catch(function () {
        // Network or server trouble: fall back to the server-side lookup.
        if (root.requestSubmit) root.requestSubmit(button); else button.click();
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-postal-lookup]");
    if (button) lookup(button, event);
  });
  document.addEventListener("change", function (event) { refresh(form(event.target)); });
  document.addEventListener("DOMContentLoaded", function () { refresh(document); });
})();
