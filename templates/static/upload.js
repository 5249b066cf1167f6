// finreview: batch upload. A form marked data-batch has a file input
// [data-files]; with this script several files may be chosen at once, each
// gets its row with its category and a progress bar, and on submit the
// files are sent one by one, each with its category, to the review's upload
// address. Without the script the form works as plain HTML (one file, or
// no files where the form does something else).
//   data-upload-url  where the files go (a review's /upload)
//   data-create      the form makes the review first: its own fields are
//                    posted for a JSON answer naming the upload address
//   data-then-submit after the files, the form is submitted as usual
//   data-next        where to go after the files (else reload)
(function () {
  'use strict';

  function sizeText(n) {
    if (n >= 1048576) { return (n / 1048576).toFixed(1) + ' MB'; }
    if (n >= 1024) { return (n / 1024).toFixed(1) + ' KB'; }
    return n + ' B';
  }

  function csrfOf(form) {
    var el = form.querySelector('input[name="_csrf"]');
    return el ? el.value : '';
  }

  function errorOf(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.error) { return body.error; }
    } catch (e) { /* not JSON */ }
    return '上传失败(' + xhr.status + ')';
  }

  function setup(form) {
    var input = form.querySelector('input[type="file"][data-files]');
    var rows = form.querySelector('[data-file-rows]');
    if (!input || !rows) { return; }
    var block = form.querySelector('[data-batch-files]');
    if (block) { block.hidden = false; }
    var single = form.querySelector('[data-single-category]');
    var choices = form.querySelector('select[data-category-choices]');
    var status = form.querySelector('[data-batch-status]');
    input.multiple = true;

    function rebuild() {
      rows.textContent = '';
      var files = input.files;
      if (single) { single.hidden = files.length > 0; }
      for (var i = 0; i < files.length; i++) {
        var li = document.createElement('li');
        var name = document.createElement('span');
        name.className = 'file-name';
        name.textContent = files[i].name + '(' + sizeText(files[i].size) + ')';
        li.appendChild(name);
        if (choices) {
          var sel = choices.cloneNode(true);
          sel.hidden = false;
          sel.removeAttribute('aria-hidden');
          sel.removeAttribute('tabindex');
          sel.removeAttribute('name');
          sel.removeAttribute('id');
          sel.value = choices.value;
          sel.setAttribute('data-file-category', String(i));
          sel.setAttribute('aria-label', files[i].name + ' 的资料类别');
          li.appendChild(document.createTextNode(' '));
          li.appendChild(sel);
        }
        var bar = document.createElement('progress');
        bar.max = 100;
        bar.value = 0;
        bar.setAttribute('data-file-progress', String(i));
        li.appendChild(document.createTextNode(' '));
        li.appendChild(bar);
        var note = document.createElement('span');
        note.className = 'file-note';
        note.setAttribute('data-file-note', String(i));
        li.appendChild(document.createTextNode(' '));
        li.appendChild(note);
        rows.appendChild(li);
      }
    }
    input.addEventListener('change', rebuild);

    function say(text) {
      if (status) { status.textContent = text; }
    }

    function sendOne(url, file, i) {
      return new Promise(function (resolve, reject) {
        var sel = rows.querySelector('[data-file-category="' + i + '"]');
        var bar = rows.querySelector('[data-file-progress="' + i + '"]');
        var note = rows.querySelector('[data-file-note="' + i + '"]');
        var signed = form.querySelector('input[data-signed]');
        var fd = new FormData();
        fd.append('category', sel ? sel.value : (choices ? choices.value : ''));
        if (signed && signed.checked) { fd.append('signed_sealed', 'true'); }
        fd.append('file', file, file.name);
        var xhr = new XMLHttpRequest();
        xhr.open('POST', url);
        xhr.setRequestHeader('Accept', 'application/json');
        xhr.setRequestHeader('X-CSRF-Token', csrfOf(form));
        xhr.upload.addEventListener('progress', function (e) {
          if (e.lengthComputable && bar) { bar.value = Math.round(e.loaded * 100 / e.total); }
        });
        xhr.addEventListener('load', function () {
          if (xhr.status === 201) {
            if (bar) { bar.value = 100; }
            if (note) { note.textContent = '已上传'; }
            resolve();
          } else {
            var msg = errorOf(xhr);
            if (note) { note.textContent = msg; note.className = 'file-note err'; }
            reject(new Error(msg));
          }
        });
        xhr.addEventListener('error', function () {
          if (note) { note.textContent = '网络中断,上传失败'; note.className = 'file-note err'; }
          reject(new Error('网络中断,上传失败'));
        });
        xhr.send(fd);
      });
    }

    function sendAll(url, files) {
      var chain = Promise.resolve();
      Array.prototype.forEach.call(files, function (f, i) {
        chain = chain.then(function () {
          say('正在上传第 ' + (i + 1) + '/' + files.length + ' 个文件…');
          return sendOne(url, f, i);
        });
      });
      return chain;
    }

    // create posts the form's own fields and answers the upload address
    // and where to go, or null after handing the form to the server (which
    // shows the errors next to the fields).
    function create() {
      var body = new URLSearchParams();
      new FormData(form).forEach(function (v, k) {
        if (typeof v === 'string') { body.append(k, v); }
      });
      return fetch(form.action, {
        method: 'POST', credentials: 'same-origin', body: body,
        headers: { 'Accept': 'application/json', 'X-CSRF-Token': csrfOf(form) }
      }).then(function (res) {
        if (!res.ok) {
          input.value = '';
          HTMLFormElement.prototype.submit.call(form);
          return null;
        }
        return res.json();
      });
    }

    form.addEventListener('submit', function (e) {
      var files = input.files;
      if (!files || files.length === 0 || e.defaultPrevented) { return; }
      e.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      if (button) { button.disabled = true; }
      var made = form.hasAttribute('data-create') ? create() : Promise.resolve({
        upload_url: form.getAttribute('data-upload-url'), next: form.getAttribute('data-next')
      });
      var next = null;
      made.then(function (answer) {
        if (!answer) { return null; }
        next = answer.next;
        return sendAll(answer.upload_url, files).then(function () { return answer; });
      }).then(function (answer) {
        if (!answer) { return; }
        say('全部 ' + files.length + ' 个文件已上传');
        if (form.hasAttribute('data-then-submit')) {
          input.value = '';
          HTMLFormElement.prototype.submit.call(form);
        } else if (next) {
          window.location.assign(next);
        } else {
          window.location.reload();
        }
      }).catch(function (err) {
        say(err.message + (form.hasAttribute('data-create') && next ? ';评审已创建,可在评审页面补传。' : ''));
        if (status && form.hasAttribute('data-create') && next) {
          var a = document.createElement('a');
          a.href = next;
          a.textContent = '前往评审页面';
          status.appendChild(document.createTextNode(' '));
          status.appendChild(a);
        }
        if (button) { button.disabled = false; }
      });
    });
  }

  document.querySelectorAll('form[data-batch]').forEach(setup);
}());
