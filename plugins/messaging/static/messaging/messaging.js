// The recipient list's filter: as a surname is typed, only the matching people stay in sight and
// their groups open; cleared, the list is as it was (the groups the filter opened close again).
// Without it (no script) every group can still be opened by hand.
document.addEventListener("input", function (event) {
  if (event.target.id !== "messaging-filter") return;
  var wanted = event.target.value.trim().toLocaleLowerCase("ru").replace(/ё/g, "е");
  document.querySelectorAll(".messaging-section").forEach(function (section) {
    var shown = 0;
    section.querySelectorAll(".messaging-contact").forEach(function (contact) {
      var text = contact.textContent.toLocaleLowerCase("ru").replace(/ё/g, "е");
      var match = !wanted || text.indexOf(wanted) !== -1;
      contact.hidden = !match;
      if (match) shown += 1;
    });
    section.hidden = Boolean(wanted) && shown === 0;
    if (wanted && shown && !section.open) {
      section.open = true;
      section.dataset.openedByFilter = "1";
    } else if (!wanted && section.dataset.openedByFilter) {
      section.open = false;
      delete section.dataset.openedByFilter;
    }
  });
});
