/* Package import page: poll the import's JSON state while a job runs, then reload to show the report. */
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("job");
    if (!box || box.getAttribute("data-finished") === "1" || !window.fetch) return;
    var bar = document.getElementById("job-progress"), message = document.getElementById("job-message"),
        status = document.getElementById("job-status"), count = document.getElementById("job-count"),
        refresh = document.getElementById("job-refresh");
    if (refresh) refresh.hidden = true;
    function poll() {
      fetch(box.getAttribute("data-status-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
        .then(function (job) {
          bar.value = job.percent; bar.textContent = job.percent + "%";
          message.textContent = job.message; status.textContent = job.status_label;
          count.textContent = job.done + "/" + job.total;
          if (job.finished) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
        })
        .catch(function () { if (refresh) refresh.hidden = false; window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
