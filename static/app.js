// Schoolpoort's small script: htmx does the rest. No inline script anywhere (CSP).
(function () {
  "use strict";
  // Disable a form's submit buttons while its request is in flight, so a
  // double tap sends once (the server also refuses a repeated token).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target.closest("form");
    if (form) form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest("form");
    if (form) form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
  });
})();
