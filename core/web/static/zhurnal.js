// zhurnal's page behaviour. Kept in a static file: the Content-Security-Policy forbids inline
// scripts, and htmx runs with allowEval off (so no hx-on attributes).
(function () {
  "use strict";

  function showFlash(message, kind) {
    var area = document.getElementById("flash");
    if (!area) { return; }
    var item = document.createElement("p");
    item.className = "flash flash--" + kind;
    item.textContent = message;
    area.replaceChildren(item);
  }

  // htmx does not swap 4xx/5xx answers (see the htmx-config meta tag); tell the person instead.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = (xhr && xhr.responseText && xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0
      ? xhr.responseText
      : document.body.dataset[xhr && xhr.status >= 500 ? "serverError" : "requestFailed"];
    showFlash(text, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    showFlash(document.body.dataset.requestFailed, "error");
  });

  // The language switch submits itself when a language is chosen; its button stays for
  // keyboards and browsers without scripts.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select && select.id === "core-locale" && select.form) { select.form.requestSubmit(); }
  });
})();

// Buttons marked data-print print the page (the timetable, the day's changes).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) { window.print(); }
});

// The change form shows only the fields the chosen kind uses (without scripts it shows them all).
function showKindFields(form) {
  var kind = form.querySelector("select[name=kind]");
  if (!kind) { return; }
  form.querySelectorAll("[data-kinds]").forEach(function (part) {
    part.hidden = part.dataset.kinds.split(" ").indexOf(kind.value) < 0;
  });
}
document.addEventListener("change", function (event) {
  var form = event.target.form;
  if (form && form.hasAttribute("data-kind-form") && event.target.name === "kind") { showKindFields(form); }
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-kind-form]").forEach(showKindFields);
});
