// Progressive enhancement: the receipt's print link opens the browser's print dialog.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function (event) { event.preventDefault(); window.print(); });
  });
});
