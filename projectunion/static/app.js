// projectunion — small progressive enhancements; every page also works without JavaScript.
(function () {
  "use strict";

  // Forms and buttons with data-confirm ask before they submit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // A "select all" checkbox toggles the checkboxes named in its data-check-all.
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box.getAttribute && box.getAttribute("data-check-all");
    if (!name) return;
    var scope = box.form || document;
    scope.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (other) {
      other.checked = box.checked;
    });
  });

  // A text box with data-filter-list hides the list's labels that do not contain what is typed.
  document.addEventListener("input", function (event) {
    var input = event.target;
    var target = input.getAttribute && input.getAttribute("data-filter-list");
    if (!target) return;
    var needle = input.value.trim().toLowerCase();
    document.querySelectorAll("#" + target + " label").forEach(function (label) {
      label.style.display = !needle || label.textContent.toLowerCase().indexOf(needle) >= 0 ? "" : "none";
    });
  });

  // The per-member decision selects of the dissolution wizard show only the inputs their choice needs.
  function syncDecision(select) {
    var row = select.closest("[data-decision]");
    if (!row) return;
    row.querySelectorAll("[data-when]").forEach(function (el) {
      el.hidden = el.getAttribute("data-when") !== select.value;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-decision] select.decision")) {
      syncDecision(event.target);
    }
  });
  document.querySelectorAll("[data-decision] select.decision").forEach(syncDecision);

  // Print buttons (no inline handlers: the Content-Security-Policy forbids them).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // The error summary of a form that came back takes the focus: the reader starts where the problems are.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
  // Its links put the cursor into the field, not only scroll to it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (target && typeof target.focus === "function") {
      event.preventDefault();
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    }
  });

  // On a phone, the main menu starts folded behind its button (without JavaScript it stays open: every item reachable).
  if (window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
    document.querySelectorAll("details[data-phone-menu]").forEach(function (details) {
      details.open = false;
    });
  }

  // On a phone, big diagrams start folded so that the page's main content comes first.
  if (window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
    document.querySelectorAll("details[data-collapse-on-phone]").forEach(function (details) {
      details.open = false;
    });
  }
})();
