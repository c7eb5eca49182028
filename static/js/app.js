// Behaviour the office pages need, kept out of the templates so the Content-Security-Policy forbids all inline code:
// [data-autosubmit] submits its form on change (the language switch); [data-print] prints the page.
document.addEventListener("change", function (event) {
  if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
});
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
