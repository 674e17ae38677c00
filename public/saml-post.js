// The SAML Response goes on to the application by itself (without JavaScript, the button on the
// page does the same). A served script: the pages' CSP allows no inline script.
document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('saml-post');
  if (form) form.submit();
});
