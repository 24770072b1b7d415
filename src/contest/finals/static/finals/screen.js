/* The big screen (finals:screen) and the stage timer (finals:timer): both render the board
   pushed by ContestLive (live.js). Text only through textContent. */
(function () {
  "use strict";

  var root = document.querySelector("[data-events-url]");
  if (!root) return;
  var L = window.ContestLive;
  var labels = JSON.parse(document.getElementById("screen-labels").textContent);
  var board = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function set(id, text) {
    var node = document.getElementById(id);
    if (node) node.textContent = text === null || text === undefined ? "" : text;
  }

  /* Fit the 1920×1080 stage into whatever window shows it. */
  function fit() {
    var stage = document.querySelector(".stage");
    if (!stage) return;
    var scale = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    stage.style.transform = "scale(" + scale + ")";
  }

  function renderScores(slot) {
    var list = document.getElementById("judge-scores");
    if (!list) return;
    list.replaceChildren();
    var seats = board.session.seats;
    var scores = slot && slot.scores;
    var states = slot && slot.seats; /* open slot: who has submitted, never the value */
    seats.forEach(function (seat, i) {
      var item = el("li", "seat");
      item.appendChild(el("span", "seat__label", labels.judge.replace("%s", seat)));
      var value = "—";
      if (states) {
        var state = states[i].state;
        value = state === "submitted" ? labels.seat_submitted : state === "recused" ? labels.recused : labels.seat_waiting;
        item.classList.add("seat--" + state);
        item.setAttribute("data-state", state);
      } else if (scores) {
        var row = scores[i];
        if (row.recused) {
          value = labels.recused;
          item.classList.add("seat--recused");
        } else if (row.score === null) {
          value = labels.none;
        } else {
          value = row.score;
        }
        if (row.dropped) item.classList.add("seat--dropped");
        if (row.corrected) item.classList.add("seat--corrected");
        item.setAttribute("data-dropped", row.dropped ? "1" : "0");
      }
      var score = el("span", "seat__score", value);
      if (scores && scores[i].corrected) score.appendChild(el("span", "mark", "*"));
      item.appendChild(score);
      if (scores && scores[i].dropped) item.appendChild(el("span", "seat__note", labels.dropped));
      else if (scores && scores[i].corrected) item.appendChild(el("span", "seat__note", labels.corrected));
      list.appendChild(item);
    });
  }

  function anyCorrected() {
    return board.ranking.some(function (row) { return row.corrected; });
  }

  function show(id, visible) {
    var node = document.getElementById(id);
    if (node) node.hidden = !visible;
  }

  function renderRanking() {
    var list = document.getElementById("ranking");
    if (!list) return;
    list.replaceChildren();
    board.ranking.forEach(function (row) {
      var item = el("li", "ranking__row");
      item.appendChild(el("span", "ranking__rank", row.rank));
      var name = el("span", "ranking__name");
      name.appendChild(el("span", "ranking__title", row.title));
      name.appendChild(el("span", "ranking__entrant", row.entrant));
      item.appendChild(name);
      var result = el("span", "ranking__result", row.result);
      if (row.corrected) result.appendChild(el("span", "mark", "*"));
      item.appendChild(result);
      list.appendChild(item);
    });
    set("ranking-empty", board.ranking.length ? "" : labels.no_ranking);
    show("ranking-legend", anyCorrected());
  }

  /* A finished session: the final ranking takes the stage; no entry, timer or waiting text. */
  function renderFinal() {
    var body = document.getElementById("final-ranking");
    if (!body) return;
    body.replaceChildren();
    board.ranking.forEach(function (row) {
      var tr = el("tr", "final__row");
      tr.appendChild(el("td", "final__rank", row.rank));
      var name = el("td");
      name.appendChild(el("span", "final__title", row.title));
      name.appendChild(el("span", "final__entrant", row.entrant));
      tr.appendChild(name);
      var result = el("td", "final__result", row.result);
      if (row.corrected) {
        var mark = el("span", "mark", "*");
        mark.title = labels.corrected;
        result.appendChild(mark);
      }
      tr.appendChild(result);
      body.appendChild(tr);
    });
    show("final-empty", !board.ranking.length);
    show("final-legend", anyCorrected());
    show("live-main", false);
    show("live-ranking", false);
    show("final", true);
  }

  function finished() {
    return board.session.status === "finished";
  }

  function renderStage() {
    var slot = board.current;
    set("session-status", labels.session_status[board.session.status] || board.session.status_label);
    set("version", board.session.version);
    root.setAttribute("data-version", board.session.version);
    root.setAttribute("data-session-status", board.session.status);
    if (finished()) {
      root.classList.add("screen--finished");
      renderFinal();
      return;
    }
    if (!slot) {
      set("cur-position", "");
      set("cur-title", labels.waiting);
      set("cur-entrant", "");
      set("cur-group", "");
      set("progress", "");
      set("result", "");
      root.setAttribute("data-slot-status", "none");
      renderScores(null);
      return;
    }
    set("cur-position", labels.position.replace("%s", slot.position));
    set("cur-title", slot.title);
    set("cur-entrant", slot.entrant);
    set("cur-group", slot.group);
    root.setAttribute("data-slot-status", slot.status);
    if (slot.status === "closed") {
      set("progress", labels.closed);
      set("result", slot.result);
    } else if (slot.status === "open") {
      set("progress", labels.submitted.replace("%s", slot.submitted).replace("%s", slot.judges));
      set("result", "");
    } else {
      set("progress", labels.slot_status[slot.status] || slot.status_label);
      set("result", "");
    }
    renderScores(slot);
  }

  function tick() {
    if (!board || finished()) return;
    var t = board.timer;
    var ms = L.timerRemaining(t);
    var clock = document.getElementById("timer-clock");
    if (!clock) return;
    clock.textContent = ms === null ? "--:--" : L.formatClock(ms);
    var level = L.clockLevel(ms);
    var box = document.getElementById("timer");
    box.setAttribute("data-level", level);
    box.setAttribute("data-running", t.running ? "1" : "0");
    set("timer-label", t.segment === null ? labels.timer_idle : t.label);
    set("timer-state", ms !== null && ms < 0 ? labels.overtime : t.running ? "" : t.segment === null ? "" : labels.paused);
    var next = document.getElementById("timer-next");
    if (next) {
      var segs = board.session.segments;
      next.textContent =
        t.segment !== null && t.segment + 1 < segs.length ? labels.next.replace("%s", segs[t.segment + 1].label) : "";
    }
  }

  function setStatus(status) {
    var badge = document.getElementById("connection");
    if (!badge) return;
    badge.setAttribute("data-status", status);
    badge.textContent = labels["conn_" + status];
  }

  L.subscribe(root.getAttribute("data-events-url"), function (state) {
    board = state;
    renderStage();
    renderRanking();
    tick();
  }, { onStatus: setStatus });
  setInterval(tick, 200);
  window.addEventListener("resize", fit);
  fit();
})();
