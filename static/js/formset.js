/* Declare several devices from one form: add and remove device rows in place.
 *
 * Without JavaScript, "Add a device" submits the form and the page comes back with one more
 * row, and each row has a "Remove this device" checkbox. This script keeps the same fields
 * and the same formset management form, and only saves the round trips.
 */
(function () {
  "use strict";

  function init(root) {
    var prefix = root.getAttribute("data-prefix");
    var total = root.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var list = root.querySelector("[data-formset-rows]");
    var template = root.querySelector("template[data-formset-empty]");
    var addButton = root.querySelector("[data-formset-add]");
    var status = root.querySelector("[data-formset-status]");
    if (!total || !list || !template || !addButton) {
      return;
    }

    // The first field a person fills in a row (not the hidden "remove" checkbox).
    var FIRST_FIELD = ".form-grid select, .form-grid input:not([type=hidden]), .form-grid textarea";

    function visibleRows() {
      return Array.prototype.filter.call(
        list.querySelectorAll("[data-formset-row]"),
        function (row) { return !row.hidden; }
      );
    }

    function announce(message) {
      if (!status) {
        return;
      }
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 50);
    }

    function renumber() {
      var rows = visibleRows();
      rows.forEach(function (row, index) {
        row.querySelectorAll("[data-row-number]").forEach(function (number) {
          number.textContent = String(index + 1);
        });
        var remove = row.querySelector("[data-formset-remove]");
        if (remove) {
          // The last row stays: a declaration has at least one device.
          remove.hidden = rows.length < 2;
        }
      });
    }

    function enhance(row) {
      var checkbox = row.querySelector('input[type="checkbox"][name$="-DELETE"]');
      var checkboxField = row.querySelector("[data-formset-delete]");
      var remove = row.querySelector("[data-formset-remove]");
      if (!checkbox || !remove) {
        return;
      }
      if (checkboxField) {
        checkboxField.hidden = true;
      }
      if (checkbox.checked) {
        row.hidden = true;
      }
      remove.addEventListener("click", function () {
        var rows = visibleRows();
        var position = rows.indexOf(row);
        checkbox.checked = true;
        row.hidden = true;
        renumber();
        announce(root.getAttribute("data-removed-message") || "");
        var remaining = visibleRows();
        var next = remaining[Math.min(position, remaining.length - 1)];
        var focusTarget = next && next.querySelector(FIRST_FIELD);
        (focusTarget || addButton).focus();
      });
    }

    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      list.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var row = list.lastElementChild;
      enhance(row);
      renumber();
      announce(root.getAttribute("data-added-message") || "");
      var first = row.querySelector(FIRST_FIELD);
      if (first) {
        first.focus();
      }
    });

    list.querySelectorAll("[data-formset-row]").forEach(enhance);
    renumber();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-formset]").forEach(init);
  });
})();
