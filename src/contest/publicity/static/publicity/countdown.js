// The notice period's countdown on a list's public page: days, hours, minutes, seconds left,
// from the end time the server printed (ISO 8601 with its offset). No dependencies.
(function () {
  "use strict";
  var node = document.getElementById("countdown");
  if (!node) return;
  var ends = Date.parse(node.getAttribute("data-ends"));
  var pad = function (n) { return n < 10 ? "0" + n : String(n); };
  var lang = document.documentElement.lang || "";
  var zh = lang.indexOf("zh") === 0;
  function tick() {
    var left = Math.floor((ends - Date.now()) / 1000);
    if (left <= 0) {
      node.textContent = node.getAttribute("data-done");
      var link = document.getElementById("object-link");
      if (link) link.remove();
      return;
    }
    var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600);
    var m = Math.floor(left % 3600 / 60), s = left % 60;
    node.textContent = zh ? d + " 天 " + pad(h) + ":" + pad(m) + ":" + pad(s)
                          : d + " d " + pad(h) + ":" + pad(m) + ":" + pad(s);
    window.setTimeout(tick, 1000);
  }
  tick();
})();
