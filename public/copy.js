// Copy buttons for the console's integration values (views/admin/client-integration.eta).
// Without this script the values stay plain, selectable text; with it each gets a button that
// copies it and says so in a polite live region. A static file: the Content-Security-Policy
// allows no inline script.
(function () {
  'use strict';
  var list = document.querySelector('dl.integration');
  if (!list) return;
  var copyText = list.getAttribute('data-copy-text') || 'Copy';
  var copiedText = list.getAttribute('data-copied-text') || 'Copied';
  var status = document.getElementById('copy-status');

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    if (sel) {
      sel.removeAllRanges();
      sel.addRange(range);
    }
  }

  function copied(button) {
    button.textContent = copiedText;
    if (status) status.textContent = copiedText;
    window.setTimeout(function () { button.textContent = copyText; }, 2000);
  }

  var values = list.querySelectorAll('code[data-copy-label]');
  Array.prototype.forEach.call(values, function (code) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'button button--secondary copy-button';
    button.textContent = copyText;
    button.setAttribute('aria-label', code.getAttribute('data-copy-label') || copyText);
    button.addEventListener('click', function () {
      var text = code.textContent || '';
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { copied(button); }, function () { selectText(code); });
      } else {
        // no clipboard access (plain http): select it, for Ctrl+C
        selectText(code);
      }
    });
    code.parentNode.appendChild(button);
  });
})();
