/* Boucle: small enhancements on top of pages that work without JavaScript. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    // An error summary takes the focus, so that keyboard and screen-reader users meet it first.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
    // On a phone the filters start folded, unless some are in use; without JavaScript they
    // stay open.
    var narrow = window.matchMedia("(max-width: 61.99rem)").matches;
    document.querySelectorAll('details[data-collapse-when-narrow="yes"]').forEach(function (details) {
      if (narrow) {
        details.open = false;
      }
    });
  });

  // A filter left empty stays out of the address, so that it reads /inventory/?state=declared.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get" || !event.detail.elt.closest("form[role=search]")) {
      return;
    }
    var parameters = event.detail.parameters;
    Object.keys(parameters).forEach(function (name) {
      if (parameters[name] === "") {
        delete parameters[name];
      }
    });
  });

  // While htmx replaces the device results, mark them busy.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.id === "device-results") {
      target.setAttribute("aria-busy", "true");
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "device-results") {
      return;
    }
    target.removeAttribute("aria-busy");
    // A pagination link is gone once the results are replaced: move the focus to the results'
    // heading rather than lose it. A filter keeps the focus where the person is typing.
    var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (trigger && !document.body.contains(trigger)) {
      var heading = target.querySelector("[data-results-focus]");
      if (heading) {
        heading.focus();
      }
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var target = event.detail.target;
    if (target) {
      target.removeAttribute("aria-busy");
    }
  });
})();
