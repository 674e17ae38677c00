// Signing out of the console: the person asked for it already, so the IdP's logout form goes on
// by itself (without JavaScript, the button on the page does the same).
document.addEventListener('DOMContentLoaded', function () {
  var button = document.getElementById('logout-continue');
  if (button) button.click();
});
