/* Forms that ask before they submit: <form data-confirm-submit="确定……？">. Loaded on every page
   (base.html) instead of inline onsubmit handlers, which the Content-Security-Policy forbids.
   Listens on the document in the capture phase, so it asks before any handler of the form itself
   runs; a "Cancel" stops the submission and those handlers. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form && form.getAttribute && form.getAttribute("data-confirm-submit");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();
