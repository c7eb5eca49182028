// The print desk. After a card is marked the desk opens at the next card's row (`?at=<id>#job-<id>`): that row is
// brought to the middle of the screen and its "Printed" button takes the focus, so Enter marks it; after a scan
// (`pindai`) the scan field keeps the focus for the next NIK. The messages stay at the top of the screen.
// It runs once the page has loaded: the browser's own jump to the #fragment comes first and would take the focus back.
window.addEventListener("load", function () {
  var params = new URLSearchParams(window.location.search);
  var scan = document.getElementById("id_nik");
  var messages = document.querySelector("main > .messages");
  if (messages) messages.classList.add("stick");
  var match = /^#job-(\d+)$/.exec(window.location.hash);
  var row = match && document.getElementById("job-" + match[1]);
  if (row) {
    row.classList.add("next-card");
    row.scrollIntoView({block: "center"});
    var button = row.querySelector("button");
    if (params.has("pindai") && scan) scan.focus({preventScroll: true});
    else if (button) button.focus({preventScroll: true});
  } else if (params.has("pindai") && scan) {
    scan.focus();
  }
});
