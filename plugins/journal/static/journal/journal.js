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

// The grid: a cell is typed into like a spreadsheet's. Focusing a cell selects its text, so typing
// replaces it. Enter or ↓ goes down the column, Shift+Enter or ↑ up, ← and → along the row at the
// text's edge, Tab natively; Escape puts back what was there. A cell is saved when it is left
// changed: one POST with the new text and the text it showed (its default value, so a change made
// meanwhile by someone else is refused, not overwritten); the answer replaces the cell (with a
// message when refused) and the row's average. Saves go one after another, in the order made.
(function () {
  "use strict";

  // Letters typed with the Latin layout on become the Russian letters of the same keys.
  // (Unless the school's codes or marks use Latin letters: the table says so.)
  var RUSSIAN_KEYS = {
    KeyQ: "й", KeyW: "ц", KeyE: "у", KeyR: "к", KeyT: "е", KeyY: "н", KeyU: "г", KeyI: "ш", KeyO: "щ", KeyP: "з",
    BracketLeft: "х", BracketRight: "ъ", KeyA: "ф", KeyS: "ы", KeyD: "в", KeyF: "а", KeyG: "п", KeyH: "р", KeyJ: "о",
    KeyK: "л", KeyL: "д", Semicolon: "ж", Quote: "э", KeyZ: "я", KeyX: "ч", KeyC: "с", KeyV: "м", KeyB: "и", KeyN: "т",
    KeyM: "ь", Comma: "б", Period: "ю", Backquote: "ё"
  };
  var CELL = ".journal-grid .journal-cell input";
  var queue = Promise.resolve();
  var pending = 0;  // saves not answered yet: leaving the page then asks first
  var typing = null;

  function cellInput(row, column) {
    var cell = row && row.cells[column];
    return cell ? cell.querySelector("input") : null;
  }

  function focusCell(input) {
    if (!input) { return false; }
    input.focus();
    input.select();
    return true;
  }

  function moveVertically(input, step) {
    var cell = input.closest("td");
    var rows = Array.prototype.slice.call(cell.closest("tbody").rows);
    for (var index = rows.indexOf(cell.parentElement) + step; index >= 0 && index < rows.length; index += step) {
      if (focusCell(cellInput(rows[index], cell.cellIndex))) { return; }
    }
  }

  function moveAlong(input, step) {
    var cell = input.closest("td");
    for (var index = cell.cellIndex + step; index > 0 && index < cell.parentElement.cells.length; index += step) {
      if (focusCell(cellInput(cell.parentElement, index))) { return; }
    }
  }

  // The cell's lesson is its column header's (journal-col-<id>), its student its row's (journal-row-<id>).
  function cellUrl(cell) {
    var header = cell.closest("table").tHead.rows[0].cells[cell.cellIndex];
    return "/journal/lessons/" + header.id.replace("journal-col-", "") + "/cells/" +
      cell.parentElement.id.replace("journal-row-", "");
  }

  function save(input) {
    var value = input.value.replace(/\s+/g, " ").trim();
    var was = input.defaultValue;
    if (value === was || input.journalSent === value) { return; }  // Enter saves, then leaving the cell would again
    input.journalSent = value;
    var cell = input.closest("td");
    var row = cell.parentElement;
    var index = cell.cellIndex;
    Array.prototype.forEach.call(document.querySelectorAll(".journal-cell--fresh"), function (refused) {
      refused.classList.remove("journal-cell--fresh");  // the last refusal's message stays up, earlier ones on focus
    });
    cell.classList.add("journal-cell--saving");
    pending += 1;
    queue = queue.then(function () {
      // The cell now: an earlier save of it may have replaced it meanwhile. After our own saved
      // answer, what it shows is what the server holds, so that is what this change changes.
      var current = row.cells[index];
      if (current !== cell && !current.classList.contains("journal-cell--refused")) {
        was = current.querySelector("input").defaultValue;
      }
      current.classList.add("journal-cell--saving");
      return htmx.ajax("POST", cellUrl(current), { source: current.querySelector("input"), target: current,
                                                  swap: "outerHTML", values: { value: value, was: was, reason: reason() } })
        .then(function () { failed(current, input); }, function () { failed(current, input); });
    }).then(function () { pending -= 1; });
  }

  // Why a closed period's cell is changed: typed once above the grid, sent with every save.
  function reason() {
    var field = document.getElementById("journal-grid-reason");
    return field ? field.value : "";
  }

  // An answer that replaced nothing (no connection, a server error): the cell says it is not saved,
  // and leaving it again tries again.
  function failed(cell, input) {
    if (!cell.isConnected || !cell.classList.contains("journal-cell--saving")) { return; }
    cell.classList.remove("journal-cell--saving");
    cell.classList.add("journal-cell--unsaved");
    input.journalSent = null;
  }

  window.addEventListener("beforeunload", function (event) {
    if (pending > 0) { event.preventDefault(); event.returnValue = ""; }
  });

  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input.matches && input.matches(CELL)) { input.select(); }
  });

  document.addEventListener("focusout", function (event) {  // leaving a cell by Tab, a click, anything
    var input = event.target;
    if (input.matches && input.matches(CELL) && input.isConnected) { save(input); }
  });

  // A cell's answer arriving while it has the focus again: what is being typed stays, over the
  // saved value (it is saved in turn, as a change of what the server holds now).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    typing = target && target.matches && target.matches(".journal-grid .journal-cell") && target.contains(active)
      ? { row: target.parentElement, index: target.cellIndex, value: active.value, start: active.selectionStart,
          end: active.selectionEnd } : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!typing) { return; }
    var kept = typing;
    typing = null;
    var input = cellInput(kept.row, kept.index);
    if (!input) { return; }
    if (kept.value !== input.defaultValue) { input.value = kept.value; }
    input.focus();
    input.setSelectionRange(kept.start, kept.end);
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(CELL) || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var key = event.key;
    if (key === "Enter" || key === "ArrowDown" || key === "ArrowUp") {
      event.preventDefault();
      save(input);
      moveVertically(input, key === "ArrowUp" || (key === "Enter" && event.shiftKey) ? -1 : 1);
    } else if (key === "ArrowLeft" && input.selectionStart === 0) {
      event.preventDefault();
      save(input);
      moveAlong(input, -1);
    } else if (key === "ArrowRight" && input.selectionEnd === input.value.length) {
      event.preventDefault();
      save(input);
      moveAlong(input, 1);
    } else if (key === "Escape") {
      input.value = input.defaultValue;
      input.select();
    } else if (key.length === 1 && /[a-z,.;'`\[\]]/i.test(key) && RUSSIAN_KEYS[event.code] &&
               !input.closest("table").hasAttribute("data-latin")) {
      event.preventDefault();
      input.setRangeText(RUSSIAN_KEYS[event.code], input.selectionStart, input.selectionEnd, "end");
    }
  });
})();

// The final-marks sheet: Enter or ↓ goes to the next student's mark of the same kind, Shift+Enter
// or ↑ to the previous one; Enter never sends the form by accident.
(function () {
  "use strict";
  var MARK = ".journal-finals input.journal-final-mark";
  document.addEventListener("focusin", function (event) {  // typing replaces the mark, as in the grid
    if (event.target.matches && event.target.matches(MARK)) { event.target.select(); }
  });
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(MARK)) { return; }
    var key = event.key;
    if (key !== "Enter" && key !== "ArrowDown" && key !== "ArrowUp") { return; }
    event.preventDefault();
    var marks = Array.prototype.slice.call(input.closest("table").querySelectorAll(
      "input.journal-final-mark[data-kind='" + input.dataset.kind + "']"));
    var next = marks[marks.indexOf(input) + (key === "ArrowUp" || (key === "Enter" && event.shiftKey) ? -1 : 1)];
    if (next) { next.focus(); next.select(); }
  });
})();
