/* The round form's rubric: the sum of the weights, kept up to date while they are typed. */
(function () {
  var table = document.getElementById("rubric"), out = document.getElementById("weight-sum");
  if (!table || !out) return;
  function total() {
    var sum = 0;
    table.querySelectorAll("input[name$='-weight']").forEach(function (input) {
      var v = parseFloat(input.value); if (!isNaN(v)) sum += v;
    });
    out.textContent = (Math.round(sum * 100) / 100).toString();
  }
  table.addEventListener("input", total);
  total();
})();
