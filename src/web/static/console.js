// Enhancements only: every page works without this file.
// The error summary (or a notification) takes focus when the page loads, so a screen reader reads it first;
// a link in the summary moves focus to its field, with the label in view.
(function () {
  var summary = document.querySelector('[data-error-summary]');
  var target = summary || document.querySelector('[data-focus-on-load]');
  if (target) {
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.focus();
  }
  if (!summary) return;
  summary.addEventListener('click', function (event) {
    var link = event.target.closest('a[href^="#"]');
    if (!link) return;
    var input = document.getElementById(link.getAttribute('href').slice(1));
    if (!input) return;
    event.preventDefault();
    var label = document.querySelector('label[for="' + input.id + '"]');
    (label || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
})();
