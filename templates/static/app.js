// finreview: confirmation before irreversible steps. Every asset is served
// from the binary; nothing is fetched from outside the server.
document.addEventListener('submit', function (e) {
  var f = e.target;
  var msg = f.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});
