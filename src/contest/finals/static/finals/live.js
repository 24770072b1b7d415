/* ContestLive: the finals' screens follow a session's board over server-sent events.

   ContestLive.subscribe(url, onState, options) → {close(), state()}
     url       the session's event stream (finals:events)
     onState   called with the board (see finals/board.py) — first with the state rendered into
               <script type="application/json" id="board-state"> (options.initial to override),
               then with every newer version pushed by the server
     options.onStatus(status)   "live" | "connecting" | "offline"; the page shows it
     options.stateId            id of the JSON script tag (default "board-state")

   The browser's EventSource reconnects by itself (the server asks for retry: 1000) and sends
   Last-Event-ID, so the server skips what this page already has. When the stream fails for good
   (an HTTP error, the server gone) this reconnects with a back-off of 1, 2, 4 … 30 s. A board
   older than the one shown is ignored, so a late event never rolls the screen back.

   ContestLive.clock: the server's time, corrected for this device's clock (from server_now).
   ContestLive.timerRemaining(timer) → ms left in the current segment (negative = overtime). */
(function () {
  "use strict";

  var offset = 0; // server clock − this device's clock, in ms

  function now() {
    return Date.now() + offset;
  }

  function learnClock(state) {
    var serverNow = state.server_now || (state.timer && state.timer.server_now);
    if (serverNow) offset = serverNow - Date.now();
  }

  function readInitial(id) {
    var tag = document.getElementById(id || "board-state");
    if (!tag) return null;
    try {
      return JSON.parse(tag.textContent);
    } catch (e) {
      return null;
    }
  }

  function subscribe(url, onState, options) {
    options = options || {};
    var onStatus = options.onStatus || function () {};
    var current = options.initial || readInitial(options.stateId);
    var source = null;
    var delay = 1000;
    var timer = null;
    var closed = false;

    function deliver(state) {
      if (current && state.session.version < current.session.version) return;
      learnClock(state);
      current = state;
      onState(state);
    }

    function connect() {
      if (closed) return;
      onStatus("connecting");
      source = new EventSource(url);
      source.addEventListener("open", function () {
        delay = 1000;
        onStatus("live");
      });
      source.addEventListener("state", function (e) {
        delay = 1000;
        onStatus("live");
        try {
          deliver(JSON.parse(e.data));
        } catch (err) {
          /* a malformed event is dropped; the next one carries the whole board again */
        }
      });
      source.addEventListener("error", function () {
        if (source.readyState === EventSource.CLOSED) {
          onStatus("offline");
          source.close();
          timer = setTimeout(connect, delay);
          delay = Math.min(delay * 2, 30000);
        } else {
          onStatus("connecting"); // the browser retries by itself
        }
      });
    }

    if (current) {
      learnClock(current);
      onState(current);
    }
    window.addEventListener("offline", function () {
      onStatus("offline");
    });
    window.addEventListener("online", function () {
      if (source && source.readyState !== EventSource.OPEN) {
        source.close();
        clearTimeout(timer);
        delay = 1000;
        connect();
      }
    });
    connect();
    return {
      close: function () {
        closed = true;
        clearTimeout(timer);
        if (source) source.close();
      },
      state: function () {
        return current;
      },
    };
  }

  function timerRemaining(t) {
    if (!t || t.segment === null || t.segment === undefined) return null;
    var elapsed = t.elapsed_ms + (t.started_at ? Math.max(0, now() - t.started_at) : 0);
    return t.seconds * 1000 - elapsed;
  }

  function formatClock(ms) {
    var over = ms < 0;
    var total = over ? Math.floor(-ms / 1000) : Math.ceil(ms / 1000);
    var m = Math.floor(total / 60);
    var s = total % 60;
    return (over ? "+" : "") + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  /* "ok" | "warn" (≤ 60 s left) | "alert" (≤ 30 s) | "over" (overtime) */
  function clockLevel(ms) {
    if (ms === null) return "idle";
    if (ms < 0) return "over";
    if (ms <= 30000) return "alert";
    if (ms <= 60000) return "warn";
    return "ok";
  }

  window.ContestLive = {
    subscribe: subscribe,
    clock: now,
    timerRemaining: timerRemaining,
    formatClock: formatClock,
    clockLevel: clockLevel,
  };
})();
