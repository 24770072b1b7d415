/* Certificate batch page: poll the batch's JSON status until it finishes, then reload. */
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("batch");
    if (!box || box.getAttribute("data-finished") === "1" || !window.fetch) return;
    var bar = document.getElementById("batch-progress"), message = document.getElementById("batch-message"),
        status = document.getElementById("batch-status"), count = document.getElementById("batch-count"),
        refresh = document.getElementById("batch-refresh");
    if (refresh) refresh.hidden = true;
    function poll() {
      fetch(box.getAttribute("data-status-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
        .then(function (batch) {
          bar.value = batch.percent; bar.textContent = batch.percent + "%";
          message.textContent = batch.message; status.textContent = batch.status_label;
          count.textContent = batch.done + "/" + batch.total;
          if (batch.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
        })
        .catch(function () { if (refresh) refresh.hidden = false; window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 1000);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
