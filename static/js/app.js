// Behaviour the office pages need, kept out of the templates so the Content-Security-Policy forbids all inline code:
// [data-autosubmit] submits its form on change (the language switch); [data-print] prints the page; [data-menu] is the header's menu;
// [data-hidden-when="NAME=VALUE"] is hidden while its form's radio NAME is at VALUE (the collector's name and NIK,
// not asked of the holder in person). Without JavaScript everything shows, and the server decides.
function hideWhen() {
  document.querySelectorAll("[data-hidden-when]").forEach(function (element) {
    var rule = element.dataset.hiddenWhen.split("="), form = element.closest("form");
    var checked = form && form.querySelector('input[name="' + rule[0] + '"]:checked');
    element.hidden = Boolean(checked && checked.value === rule[1]);
  });
}
hideWhen();
document.addEventListener("change", function (event) {
  if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
  hideWhen();
});
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
// The header's menu (templates/base.html): open on a wide screen, folded under "Menu" on a phone.
var menu = document.querySelector("[data-menu]");
if (menu) {
  var wide = window.matchMedia("(min-width: 601px)");
  var fit = function () { menu.open = wide.matches; };
  fit();
  wide.addEventListener("change", fit);
}
