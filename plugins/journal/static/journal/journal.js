// The per-lesson form, keyboard first: in a mark field Enter or ↓ goes to the next student's new
// mark, ↑ to the previous one (Enter never submits half a class by accident); Ctrl+Enter or
// Ctrl+S saves. Typing a code letter (Н, Б, У, О) on a student's attendance chooses that code,
// with the Russian layout on or not: the key where the letter is (Y, comma, E, J) works too.
(function () {
  "use strict";

  function markFields(form) {
    return Array.prototype.slice.call(form.querySelectorAll(".journal-mark--new input"));
  }

  function move(input, step) {
    var fields = markFields(input.form);
    var next = fields[fields.indexOf(input) + step];
    if (next) { next.focus(); next.select(); }
  }

  // The ЙЦУКЕН keys of the codes' first letters, by their physical place on the keyboard.
  var CODE_KEYS = { KeyY: "Н", Comma: "Б", KeyE: "У", KeyJ: "О" };

  function save(form) {
    var button = form.querySelector("#journal-save");
    if (button) { form.requestSubmit(button); }
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var form = target && target.form;
    if (!form || form.id !== "journal-lesson-form") { return; }
    if ((event.ctrlKey || event.metaKey) && (event.key === "Enter" || event.key === "s" || event.key === "ы")) {
      event.preventDefault();
      save(form);
      return;
    }
    if (target.matches(".journal-mark--new input")) {
      if (event.key === "Enter" || event.key === "ArrowDown") { event.preventDefault(); move(target, 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); move(target, -1); }
      return;
    }
    if (target.matches(".journal-att input") && event.key.length === 1 && !event.ctrlKey && !event.metaKey) {
      var typed = event.key.toUpperCase();
      var letter = /[А-ЯЁ]/.test(typed) ? typed : CODE_KEYS[event.code];
      var group = target.closest(".journal-att");
      var choice = letter && Array.prototype.find.call(group.querySelectorAll("input"), function (radio) {
        return radio.value && radio.value.charAt(0) === letter;
      });
      if (choice) { event.preventDefault(); choice.checked = true; choice.focus(); }
    }
  });
})();
