// Security keys and passkeys (WebAuthn) on the product's pages, with @simplewebauthn/browser
// served by the product (/assets/vendor/simplewebauthn-browser.js, loaded before this file). A
// static file: the Content-Security-Policy allows no inline script.
//
// A button <button type="button" data-webauthn="register|authenticate" data-options-url="…"
// hidden> inside a form: the button is shown only where the browser supports WebAuthn. A click
// posts the form's fields (its CSRF token, the name typed) to data-options-url, which answers
// { "options": … }; the browser asks the authenticator; its answer goes, as JSON, into the
// form's hidden field "response", and the form is submitted. What went wrong is said in the
// form's [data-webauthn-status] element, with the texts the page put in the form's data-msg-*
// attributes (Vietnamese or English, as the page).
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;
  var buttons = document.querySelectorAll('[data-webauthn]');
  if (!buttons.length) return;
  var supported = !!(lib && lib.browserSupportsWebAuthn());

  function message(form, name) {
    return form.getAttribute('data-msg-' + name) || form.getAttribute('data-msg-failed') || 'Error';
  }

  function say(form, text) {
    var status = form.querySelector('[data-webauthn-status]');
    if (status) {
      status.textContent = text;
      status.hidden = !text;
    }
  }

  // a cancelled or timed-out prompt, an authenticator already registered, anything else
  function reasonOf(err) {
    var name = (err && (err.name || '')) + '';
    var code = (err && err.code) + '';
    if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED' || name === 'InvalidStateError') return 'exists';
    if (name === 'NotAllowedError' || name === 'AbortError') return 'cancelled';
    if (name === 'SecurityError') return 'failed';
    return 'failed';
  }

  function run(button) {
    var form = button.form;
    if (!form || button.disabled) return;
    var kind = button.getAttribute('data-webauthn');
    var nameField = form.querySelector('input[name="name"]');
    if (kind === 'register' && nameField && !nameField.value.trim()) {
      say(form, message(form, 'name'));
      nameField.focus();
      return;
    }
    button.disabled = true;
    say(form, '');
    var body = new URLSearchParams(new FormData(form));
    body.delete('response');
    fetch(button.getAttribute('data-options-url'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: body.toString(),
    })
      .then(function (r) {
        if (!r.ok) throw Object.assign(new Error('options ' + r.status), { name: 'OptionsError' });
        return r.json();
      })
      .then(function (data) {
        return kind === 'register'
          ? lib.startRegistration({ optionsJSON: data.options })
          : lib.startAuthentication({ optionsJSON: data.options });
      })
      .then(function (answer) {
        form.querySelector('input[name="response"]').value = JSON.stringify(answer);
        say(form, message(form, 'wait'));
        form.submit();
      })
      .catch(function (err) {
        button.disabled = false;
        say(form, message(form, reasonOf(err)));
      });
  }

  Array.prototype.forEach.call(buttons, function (button) {
    if (!supported) {
      if (button.form) say(button.form, message(button.form, 'unsupported'));
      return;
    }
    button.hidden = false;
    button.addEventListener('click', function () { run(button); });
  });
})();
