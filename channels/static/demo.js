/*
 * The demo shop's "Log out" button, as a shop's own logout should do it: end the chat session
 * (BorderlessWidget.reset(): the assistant forgets any proof of ownership, a new conversation starts), then
 * reload the page without the logged-in shopper's customer token.
 */
(function () {
  "use strict";
  function logout() {
    var done = window.BorderlessWidget ? window.BorderlessWidget.reset() : Promise.resolve();
    Promise.resolve(done).then(function () {
      var url = new URL(location.href);
      url.searchParams.delete("customer_token");
      location.replace(url.href);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("demo-logout");
    if (button) button.addEventListener("click", logout);
  });
})();
