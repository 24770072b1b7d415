/* The notary's view (finals:notary): on every new board version pushed by ContestLive, fetch the
   record again (same URL, ?fragment=1, same key) and replace it in place. */
(function () {
  "use strict";

  var box = document.getElementById("notary-record");
  if (!box) return;
  var labels = JSON.parse(document.getElementById("notary-labels").textContent);
  var shown = null;
  var pending = false;

  function refresh(version) {
    if (pending) return;
    pending = true;
    fetch(box.getAttribute("data-fragment-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector(".notary");
        if (fresh) box.replaceChildren(document.adoptNode(fresh));
        shown = version;
      })
      .catch(function () {
        /* the next event tries again */
      })
      .finally(function () {
        pending = false;
      });
  }

  window.ContestLive.subscribe(
    box.getAttribute("data-events-url"),
    function (state) {
      var version = state.session.version;
      if (shown === null) {
        shown = version; // the page was rendered at this version
        return;
      }
      if (version !== shown) refresh(version);
    },
    {
      onStatus: function (status) {
        var badge = document.getElementById("connection");
        badge.setAttribute("data-status", status);
        badge.textContent = labels[status];
      },
    }
  );
})();
