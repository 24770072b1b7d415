/* The chair's and judges' stage pages: confirm a score before it locks, and reload when the
   session's board has moved on (finals/live.js) — unless the person is typing. */
(function () {
  "use strict";

  function busy() {
    var el = document.activeElement;
    return el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA") && el.value !== "";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("score-form");
    if (form) {
      form.addEventListener("submit", function (e) {
        var value = (document.getElementById("score").value || "").trim();
        var text = (form.getAttribute("data-confirm") || "").replace("{score}", value);
        if (!value || !window.confirm(text)) e.preventDefault();
      });
    }
    var stage = document.getElementById("stage");
    if (!stage || !window.ContestLive) return;
    var version = parseInt(stage.getAttribute("data-version"), 10) || 0;
    var pending = false;
    var clock = document.getElementById("stage-clock");
    var timer = null;
    window.ContestLive.subscribe(stage.getAttribute("data-events"), function (state) {
      if (state && state.timer) timer = state.timer;
      if (!state || !state.session || state.session.version <= version) return;
      pending = true;
      if (!busy()) window.location.reload();
    }, { initial: { session: { version: version } } });
    setInterval(function () {
      if (pending && !busy()) window.location.reload();
    }, 2000);
    if (clock) {
      setInterval(function () {
        var left = window.ContestLive.timerRemaining(timer);
        clock.textContent = left === null ? "" : window.ContestLive.formatClock(left);
        clock.setAttribute("data-level", window.ContestLive.clockLevel(left));
      }, 250);
    }
  });
})();
