/* The judge's score form: a live total as scores are typed. Progressive: without JavaScript the
   total appears after saving. Mirrors services.sheet_total: Σ score / max × weight. The server
   recomputes in Decimal and decides; this is only a preview. No third-party code. */
(function () {
  "use strict";

  function parse(text) {
    var t = (text || "").trim().replace(/，/g, ".").replace(/,/g, ".");
    if (t === "") return null;
    if (!/^\d+(\.\d+)?$/.test(t)) return NaN;
    return Number(t);
  }

  function init() {
    var form = document.getElementById("score-form");
    var out = document.getElementById("live-total");
    if (!form || !out) return;
    var note = document.getElementById("live-total-note");
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input.score-input"));
    var places = parseInt(out.getAttribute("data-places") || "2", 10);

    function update() {
      var total = 0;
      var missing = 0;
      var invalid = false;
      inputs.forEach(function (input) {
        var max = Number(input.getAttribute("data-max"));
        var weight = Number(input.getAttribute("data-weight"));
        var value = parse(input.value);
        var bad = false;
        if (value === null) {
          missing += 1;
        } else if (isNaN(value) || value < 0 || value > max) {
          bad = true;
        } else {
          total += (value / max) * weight;
        }
        if (bad) invalid = true;
        input.classList.toggle("score-input--bad", bad);
      });
      if (invalid) {
        out.textContent = "—";
        note.textContent = out.getAttribute("data-invalid");
        return;
      }
      out.textContent = missing === inputs.length ? "—" : total.toFixed(places);
      note.textContent = missing ? out.getAttribute("data-missing").replace("{n}", String(missing)) : "";
    }

    inputs.forEach(function (input) {
      input.addEventListener("input", update);
    });
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
