// 小微外勤: the check-in widget, xw.checkin. Bound to every [data-checkin] element: a start button, a live line
// with the accuracy as it improves, and four hidden inputs (lat, lon, accuracy_m, captured_at).
// The fix is taken as soon as it is good enough (data-good-accuracy metres), or after data-wait-s
// seconds with the best fix seen. No location (refused, none found) leaves the inputs empty: the
// visit still saves, and the server rates it unverifiable.
(function () {
  "use strict";

  function format(template, accuracy) {
    return (template || "").replace("{accuracy}", String(Math.round(accuracy)));
  }

  function bind(widget) {
    if (widget.dataset.checkinBound === "1") return;
    widget.dataset.checkinBound = "1";
    var good = parseFloat(widget.dataset.goodAccuracy) || 50;
    var waitMs = (parseFloat(widget.dataset.waitS) || 20) * 1000;
    var line = widget.querySelector("[data-checkin-state]");
    var button = widget.querySelector("[data-checkin-start]");
    var form = widget.closest("form");
    var fields = {};
    widget.querySelectorAll("[data-checkin-field]").forEach(function (input) { fields[input.dataset.checkinField] = input; });
    var watchId = null;
    var timer = null;
    var best = null;

    function say(text, state) {
      if (line) line.textContent = text;
      widget.dataset.checkinState = state;
    }

    function setBusy(busy) {
      if (!form) return;
      // Saving mid-search would send no location; the wait is short and bounded.
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = busy; });
    }

    function stop() {
      if (watchId !== null) navigator.geolocation.clearWatch(watchId);
      if (timer !== null) window.clearTimeout(timer);
      watchId = null;
      timer = null;
    }

    function accept(position) {
      stop();
      var coords = position.coords;
      fields.lat.value = coords.latitude.toFixed(7);
      fields.lon.value = coords.longitude.toFixed(7);
      fields.accuracy_m.value = (Math.round(coords.accuracy * 10) / 10).toString();
      fields.captured_at.value = new Date(position.timestamp || Date.now()).toISOString();
      say(format(widget.dataset.msgAccepted, coords.accuracy), "accepted");
      setBusy(false);
      widget.dispatchEvent(new CustomEvent("xw:checkin", { bubbles: true, detail: { accuracy: coords.accuracy } }));
    }

    function fail(reason) {
      stop();
      if (best !== null && reason !== "denied") {
        accept(best);
        return;
      }
      var messages = { denied: widget.dataset.msgDenied, unsupported: widget.dataset.msgUnsupported };
      say(messages[reason] || widget.dataset.msgUnavailable, reason);
      setBusy(false);
    }

    function start() {
      if (!("geolocation" in navigator)) {
        fail("unsupported");
        return;
      }
      stop();
      best = null;
      say(widget.dataset.msgLocating, "locating");
      setBusy(true);
      watchId = navigator.geolocation.watchPosition(function (position) {
        if (best === null || position.coords.accuracy < best.coords.accuracy) best = position;
        if (best.coords.accuracy <= good) {
          accept(best);
          return;
        }
        say(format(widget.dataset.msgProgress, best.coords.accuracy), "improving");
      }, function (error) {
        if (error.code === error.PERMISSION_DENIED) fail("denied");
        // Unavailable or a timeout: the timer below decides with the best fix so far.
      }, { enableHighAccuracy: true, maximumAge: 0, timeout: waitMs });
      timer = window.setTimeout(function () {
        if (best !== null) accept(best); else fail("unavailable");
      }, waitMs);
    }

    if (button) button.addEventListener("click", start);
  }

  function init(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("[data-checkin]")) bind(root);
    root.querySelectorAll("[data-checkin]").forEach(bind);
  }

  document.addEventListener("htmx:load", function (event) { init(event.target); });
  window.xw.checkin = { init: init };
  init(document);
})();
