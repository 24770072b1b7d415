/* Progressive enhancement for the entrant pages; every page works without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // Enterprise form: show the registering division as soon as a full credit code is typed.
  function divisionLookup() {
    var form = document.querySelector("form[data-division-url]");
    var input = document.getElementById("id_credit_code");
    if (!form || !input) return;
    var box = document.getElementById("division-box");
    var label = document.getElementById("division-label");
    var confirmRow = document.getElementById("division-confirm");
    var checkbox = document.getElementById("id_confirm_division");
    var texts = document.getElementById("division-texts").dataset;
    var last = null;
    // The error the server gave for the code last time is stale once the code is corrected:
    // remove it (and its line in the summary at the top), or replace it with the new finding.
    function settle(message) {
      var stale = document.getElementById("id_credit_code_error");
      if (message) {
        if (stale) stale.textContent = message;
        return;
      }
      if (stale) stale.remove();
      input.removeAttribute("aria-invalid");
      var item = document.querySelector('#form-errors a[href="#id_credit_code"]');
      if (item) {
        var list = item.closest("ul");
        item.closest("li").remove();
        if (list && !list.children.length) list.closest("#form-errors").hidden = true;
      }
    }
    function update() {
      var code = input.value.replace(/[\s-]/g, "").toUpperCase();
      if (code === last) return;
      last = code;
      if (code.length !== 18) return;
      label.textContent = texts.looking;
      fetch(form.dataset.divisionUrl + "?code=" + encodeURIComponent(code), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (code !== last) return;
          label.textContent = "";
          if (data.ok) {
            label.append(texts.prefix);
            var strong = document.createElement("strong");
            strong.textContent = data.label;
            label.append(strong);
            if (checkbox.value !== data.division_code) checkbox.checked = false;
            checkbox.value = data.division_code;
            confirmRow.hidden = false;
            box.classList.add("division-box--found");
            settle(null);
          } else {
            var span = document.createElement("span");
            span.className = "field-error";
            span.textContent = data.error;
            label.append(span);
            checkbox.checked = false;
            confirmRow.hidden = true;
            box.classList.remove("division-box--found");
            settle(data.error);
          }
        })
        .catch(function () { last = null; });
    }
    input.addEventListener("input", update);
    input.addEventListener("change", update);
  }

  // Team form: add member rows; show only the chosen province's cities.
  function teamForm() {
    var rows = document.getElementById("member-rows");
    var add = document.getElementById("add-member");
    if (rows && add) {
      add.hidden = false;
      add.addEventListener("click", function () {
        var last = rows.lastElementChild;
        var next = Number(last.dataset.index) + 1;
        var row = last.cloneNode(true);
        row.dataset.index = String(next);
        row.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
        row.querySelectorAll("[id],[name],[for]").forEach(function (el) {
          ["id", "name", "for"].forEach(function (attr) {
            var v = el.getAttribute(attr);
            if (v) el.setAttribute(attr, v.replace(/members-\d+-/, "members-" + next + "-"));
          });
          if (el.tagName === "INPUT") {
            el.value = "";
            el.removeAttribute("aria-invalid");
            el.removeAttribute("aria-describedby");
          }
        });
        var no = row.querySelector(".member-row__no");
        if (no) no.textContent = no.textContent.replace(/\d+/, String(next));
        rows.appendChild(row);
        row.querySelector("input").focus();
      });
    }
    var province = document.getElementById("id_province");
    var city = document.getElementById("id_city");
    if (province && city) {
      var filter = function () {
        var chosen = province.options[province.selectedIndex];
        var name = chosen && chosen.value ? chosen.textContent : null;
        city.querySelectorAll("optgroup").forEach(function (group) {
          var show = !name || group.label === name;
          group.hidden = !show;
          group.disabled = !show;
        });
        var selected = city.options[city.selectedIndex];
        if (selected && selected.parentElement.disabled) city.value = "";
      };
      province.addEventListener("change", filter);
      filter();
    }
  }

  // Entry form: one submission per click, so a double tap at 23:59 does not post twice.
  function submitOnce() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent) {
          event.preventDefault();
          return;
        }
        form.dataset.sent = "1";
      });
    });
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  onReady(function () {
    divisionLookup();
    teamForm();
    submitOnce();
    printButtons();
  });
})();
