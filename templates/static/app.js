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
// Data import: while a large file is uploaded, checked or committed, the
// page polls the server for the rows read so far and shows them on a bar.
document.addEventListener('submit', function (e) {
  var f = e.target;
  if (!f.hasAttribute || !f.hasAttribute('data-import-progress') || e.defaultPrevented) { return; }
  var box = document.querySelector('.import-progress');
  var field = f.querySelector('input[name=progress]');
  if (!box || !field || !window.crypto || !window.fetch) { return; }
  var bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  var token = Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  field.value = token;
  var total = parseInt(f.getAttribute('data-total') || '0', 10);
  var bar = box.querySelector('progress');
  var text = box.querySelector('span');
  box.hidden = false;
  bar.removeAttribute('value');
  text.textContent = '正在上传…';
  var poll = function () {
    fetch('/imports/progress/' + token, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (p) {
          var verb = p.phase === 'importing' ? '已导入' : '已检查';
          if (total > 0) {
            bar.value = Math.min(99, Math.floor(p.rows * 100 / total));
            text.textContent = verb + ' ' + p.rows + ' / ' + total + ' 行';
          } else {
            text.textContent = verb + ' ' + p.rows + ' 行';
          }
          if (p.phase === 'done' || p.phase === 'failed') { return; }
        }
        window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 1500); });
  };
  window.setTimeout(poll, 500);
});
