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

  // The search box asks as one types (after a pause), not again when it loses the focus: its
  // change event is no request. (Here rather than an hx-trigger filter: the CSP allows no eval.)
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    var triggering = event.detail.triggeringEvent;
    if (!form.matches || !form.matches("form[data-search-input]") || !triggering) {
      return;
    }
    if (triggering.type === "change" && triggering.target.id === form.dataset.searchInput) {
      event.preventDefault();
    }
  });

  // A request answered by a redirection (HX-Redirect) replaces nothing: the results are no
  // longer busy.
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Redirect")) {
      var results = document.getElementById("device-results");
      if (results) {
        results.removeAttribute("aria-busy");
      }
    }
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
