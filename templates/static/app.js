// finreview: confirmation before irreversible steps. Every asset is served
// from the binary; nothing is fetched from outside the server.
document.addEventListener('submit', function (e) {
  var f = e.target;
  var msg = f.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});
// Print buttons of printable pages.
document.addEventListener('click', function (e) {
  var b = e.target.closest ? e.target.closest('[data-print]') : null;
  if (b) { e.preventDefault(); window.print(); }
});
// The delegate form: the override reason is required only when a firm is
// picked by hand (the server checks it too).
document.addEventListener('change', function (e) {
  var s = e.target;
  if (s.name !== 'firm_id' || !s.form) { return; }
  var r = s.form.querySelector('[data-override-reason]');
  if (r) { r.hidden = s.value === ''; }
});
// An upload form carries its CSRF token in its action URL (the body is
// streamed, never parsed for it); when the server answers a refused upload
// with the page itself, take the token out of the address bar, history and
// later Referer headers by showing the page's own address.
(function () {
  if (!/[?&]_csrf=/.test(window.location.search) || !window.history.replaceState) { return; }
  var f = document.querySelector('form[data-page]');
  var clean = f ? f.getAttribute('data-page') : window.location.pathname;
  window.history.replaceState(null, '', clean + window.location.hash);
})();
