// Progressive enhancement only: every page works without this file.
// Moves keyboard focus to the error summary when a form comes back with errors (GOV.UK pattern).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }
});
