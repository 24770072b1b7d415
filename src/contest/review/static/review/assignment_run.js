/* The assignment page follows a running automatic assignment: progress, message and status every
   2 s, then a reload when it has finished (the page shows a refresh link if polling fails). */
(function () {
  var box = document.getElementById("run");
  if (!box || box.getAttribute("data-finished") === "1" || !window.fetch) return;
  var bar = document.getElementById("run-progress"), message = document.getElementById("run-message"),
      status = document.getElementById("run-status"), refresh = document.getElementById("run-refresh");
  if (refresh) refresh.hidden = true;
  function poll() {
    fetch(box.getAttribute("data-status-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (run) {
        if (bar) { bar.value = run.progress; bar.textContent = run.progress + "%"; }
        if (message) message.textContent = run.message;
        if (status) status.textContent = run.status_label;
        if (run.finished) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
      })
      .catch(function () { if (refresh) refresh.hidden = false; window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
})();
