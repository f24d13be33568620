// Page behaviours as data attributes, so no page needs inline script (Content-Security-Policy).
//   data-autosubmit  on a select: changing it submits its form
//   data-confirm     on a form: asks the question before submitting
//   data-print       on a button: prints the page
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
});
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
