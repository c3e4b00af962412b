// Schoolpoort's small script: htmx does the rest. No inline script anywhere (CSP).
(function () {
  "use strict";
  // Disable a form's submit buttons while its request is in flight, so a
  // double tap sends once (the server also refuses a repeated token).
  // Only for requests that change something: a GET fired by a field (the
  // duplicate check, a lookup) must not swallow the click on Save that blurred it.
  function changes(event) {
    var config = event.detail && event.detail.requestConfig;
    return !config || config.verb !== "get";
  }
  document.addEventListener("htmx:beforeRequest", function () {
    // A "try again" message from an earlier request goes when the user tries again.
    var problem = document.getElementById("request-problem");
    if (problem) problem.textContent = "";
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!changes(event)) return;
    var form = event.target.closest("form");
    if (form) form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!changes(event)) return;
    var form = event.target.closest("form");
    if (form) form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
  });
})();

// === reception: find a family with the keyboard; the intake form ===
(function () {
  "use strict";
  // Arrow keys move through the results under a search box; Enter opens the
  // chosen family; Escape clears. The box keeps the focus (aria-activedescendant).
  // The server sends plain links (they work without JavaScript); here they
  // become the options of a listbox that the search box drives.
  function enhance(box) {
    box.querySelectorAll(".family-list").forEach(function (list) { list.setAttribute("role", "listbox"); });
    box.querySelectorAll(".family-list > li").forEach(function (li) { li.setAttribute("role", "none"); });
    box.querySelectorAll("a.family-option:not([role])").forEach(function (a) {
      a.setAttribute("role", "option");
      a.setAttribute("tabindex", "-1");
      a.setAttribute("aria-selected", "false");
    });
  }
  function options(input) {
    var box = document.querySelector(input.getAttribute("data-search-results"));
    if (!box) return [];
    enhance(box);
    return Array.prototype.slice.call(box.querySelectorAll("[role=option]"));
  }
  function choose(input, list, index) {
    list.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (index >= 0 && list[index]) {
      input.setAttribute("aria-activedescendant", list[index].id);
      list[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  // Results that arrive after an arrow key (typing faster than the server)
  // keep the family that was chosen, when it is still in the list.
  function keepChoice(input) {
    var chosen = input.getAttribute("aria-activedescendant");
    if (!chosen) return;
    var list = options(input);
    var index = list.findIndex(function (o) { return o.id === chosen; });
    if (index >= 0) choose(input, list, index); else input.removeAttribute("aria-activedescendant");
  }
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-search-results]")) return;
    var list = options(input);
    // The box's active descendant is the choice: new results swapped in
    // between an arrow key and Enter do not carry aria-selected yet.
    var chosen = input.getAttribute("aria-activedescendant");
    var current = list.findIndex(function (o) { return o.id === chosen; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!list.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      choose(input, list, Math.max(0, Math.min(list.length - 1, current + step)));
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      window.location.assign(list[current].href);
    } else if (event.key === "Escape") {
      choose(input, list, -1);
    }
  });
  // New results: the family chosen before, if it is still there; otherwise nothing chosen yet.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("input[data-search-results]").forEach(function (input) {
      options(input);
      keepChoice(input);
    });
    focusRequested();
  });
  // After adding a row or linking a child, put the focus where typing goes on.
  function focusRequested() {
    var form = document.querySelector("form[data-focus]");
    if (!form) return;
    var target = document.getElementById(form.getAttribute("data-focus"));
    form.removeAttribute("data-focus");
    if (target) target.focus();
  }
  focusRequested();
  document.querySelectorAll("input[data-search-results]").forEach(options);
  // In the family form, Enter in a text field never submits (a half-typed
  // intake is not saved by accident); in the child lookup it looks up.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.closest || !field.closest("form[data-family-form]")) return;
    if (field.tagName !== "INPUT" || /^(submit|button|checkbox|radio)$/.test(field.type)) return;
    event.preventDefault();
    var clicks = field.getAttribute("data-enter-clicks");
    if (clicks && document.getElementById(clicks)) document.getElementById(clicks).click();
  });
  // A plain (non-htmx) submit of a form marked data-submit-once sends once.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-submit-once")) return;
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(function (f) { delete f.dataset.submitted; });
  });
  // The family search in the header: "/" anywhere (outside a field) goes to
  // it, or to the page's own search box; Escape or leaving it closes the results.
  function headerResults() { return document.getElementById("header-search-results"); }
  function closeHeaderResults() {
    var box = headerResults(), input = document.getElementById("header-q");
    if (box) box.innerHTML = "";
    if (input) { input.removeAttribute("aria-activedescendant"); input.setAttribute("aria-expanded", "false"); }
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey &&
        !(target.closest && target.closest("input, textarea, select, [contenteditable]"))) {
      var box = document.getElementById("header-q") || document.querySelector("input[data-search-results]");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    } else if (event.key === "Escape" && target.id === "header-q") {
      closeHeaderResults();
    }
  });
  document.addEventListener("focusout", function (event) {
    var search = document.getElementById("header-search");
    if (!search || !search.contains(event.target)) return;
    if (event.relatedTarget && search.contains(event.relatedTarget)) return;
    window.setTimeout(function () { if (!search.contains(document.activeElement)) closeHeaderResults(); }, 150);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var box = headerResults(), input = document.getElementById("header-q");
    if (!box || !input || event.target !== box) return;
    input.setAttribute("aria-expanded", box.querySelector("[role=option]") ? "true" : "false");
  });
})();

// === keyboard: a swap that took away the focused element puts the focus in the new content ===
(function () {
  "use strict";
  // Choosing a family, saving, undoing: the link or button that had the focus
  // is gone after the swap (a submit button is also disabled while sending).
  // The focus goes to the first field that needs attention, or else to the new
  // content's heading, so the keyboard goes on from there and a screen reader
  // says where it is. (A region that puts the focus somewhere itself after
  // settling, like the intake form, still has the last word.)
  var focusWasIn = new Set(); // swap targets that held the focus when their request started
  function lost(active) {
    return !active || active === document.body || !document.contains(active);
  }
  // A field that says it is invalid, or the chosen (else first) option of a
  // group of radios or checkboxes whose fieldset shows an error.
  function firstProblem(region) {
    var problem = region.querySelector("[aria-invalid=true], fieldset .field-error");
    if (!problem || problem.matches("[aria-invalid=true]")) return problem;
    var group = problem.closest("fieldset");
    return group.querySelector("input:checked:not([type=hidden])") || group.querySelector("input:not([type=hidden])");
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var target = event.detail && event.detail.target, active = document.activeElement;
    if (target && !lost(active) && target.contains(active)) focusWasIn.add(target);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !focusWasIn.has(target)) return;
    focusWasIn.delete(target);
    if (!lost(document.activeElement)) return;
    var region = document.contains(target) ? target : target.id && document.getElementById(target.id);
    if (!region) return;
    var next = firstProblem(region) || region.querySelector("h1, h2, h3") || region;
    if (next.tabIndex < 0 && !next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
    next.focus();
  });
})();
