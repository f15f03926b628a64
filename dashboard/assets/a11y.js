/*
 * Accessibility repairs for Dash 4's dcc.Dropdown, applied as the DOM changes.
 *
 * The dropdown reaches keyboard focus through a hidden <input aria-hidden="true" tabindex="0">
 * that forwards focus to its trigger button (tabindex="-1"). A focusable element hidden from
 * assistive technology is a WCAG 4.1.2 failure (axe "aria-hidden-focus"), and the button is
 * named only by its current value, not by the field's <label>. This script makes the button
 * itself the tab stop, takes the hidden input out of the tab order, and names the button by
 * its label followed by its value. The dropdown's own keyboard handling (typing, arrows, Enter)
 * lives on the button, so nothing is lost.
 */
(function () {
  "use strict";

  function repair(root) {
    root.querySelectorAll(".dash-dropdown-focus-target").forEach(function (target) {
      if (target.getAttribute("tabindex") !== "-1") {
        target.setAttribute("tabindex", "-1");
      }
    });
    root.querySelectorAll("button.dash-dropdown[id]").forEach(function (button) {
      if (!button.disabled && button.getAttribute("tabindex") !== "0") {
        button.setAttribute("tabindex", "0");
      }
      var label = document.querySelector('label[for="' + CSS.escape(button.id) + '"]');
      if (!label) {
        return;
      }
      if (!label.id) {
        label.id = button.id + "-label";
      }
      var wanted = label.id + " " + button.id + "-value";
      if (button.getAttribute("aria-labelledby") !== wanted) {
        button.setAttribute("aria-labelledby", wanted);
      }
    });
  }

  function start() {
    repair(document);
    new MutationObserver(function () {
      repair(document);
    }).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["tabindex", "aria-labelledby"],
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
