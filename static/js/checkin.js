// 小微外勤: the check-in widget, xw.checkin. Bound to every [data-checkin] element: a live rating (green within the
// radius, amber outside it, grey when it cannot be verified), the accuracy and the distance to the shop as the fix
// improves, a button to locate again, and four hidden inputs (lat, lon, accuracy_m, captured_at).
//
// A visit form's widget (data-checkin-auto) starts locating the moment the form opens. The fix is taken as soon as
// it is good enough (data-good-accuracy metres), or after data-wait-s seconds with the best fix seen. The rating
// is the server's rule (webapp/geo/geofence.py rate_checkin) on the same figures: verified when the distance minus
// the accuracy is within the radius, unverifiable without a fix, with an accuracy worse than data-max-accuracy or
// for a merchant with no registered place; a fix 2 km away is never shown green. The server rates again on save.
//
// No location (refused, none found) leaves the inputs empty; saving then asks once whether to save the visit as
// unverifiable (ask, called by visit-save.js before a visit form is saved).
(function () {
  "use strict";
  var util = window.xw.util;
  var EARTH_M = 6371008.8;

  function rad(deg) { return deg * Math.PI / 180; }

  // Great-circle distance in metres (within 0.5 % of the server's geodesic: metres at a shop's scale).
  function distanceM(a, b) {
    var dLat = rad(b[0] - a[0]);
    var dLon = rad(b[1] - a[1]);
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(rad(a[0])) * Math.cos(rad(b[0])) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  // { status: verified | outside_geofence | unverifiable, distance, reason }: the server's rule.
  function rate(fix, accuracy, target, radius, maxAccuracy) {
    if (!fix) return { status: "unverifiable", distance: null, reason: "no_fix" };
    if (!target) return { status: "unverifiable", distance: null, reason: "merchant_unlocated" };
    var distance = distanceM(fix, target);
    if (!(accuracy >= 0) || accuracy > maxAccuracy) return { status: "unverifiable", distance: distance, reason: "low_accuracy" };
    if (distance - accuracy <= radius) return { status: "verified", distance: distance, reason: "within_radius" };
    return { status: "outside_geofence", distance: distance, reason: "beyond_radius" };
  }

  function bind(widget) {
    if (widget.dataset.checkinBound === "1") return;
    widget.dataset.checkinBound = "1";
    var texts = widget.dataset;
    var good = parseFloat(texts.goodAccuracy) || 50;
    var waitMs = (parseFloat(texts.waitS) || 20) * 1000;
    var radius = parseFloat(texts.radius) || 200;
    var maxAccuracy = parseFloat(texts.maxAccuracy) || 100;
    var target = texts.merchantLat && texts.merchantLon ? [parseFloat(texts.merchantLat), parseFloat(texts.merchantLon)] : null;
    var line = widget.querySelector("[data-checkin-state]");
    var ratingLabel = widget.querySelector("[data-checkin-rating-label]");
    var figures = widget.querySelector("[data-checkin-figures]");
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

    function metres(value) {
      return value < 1000 ? util.fill(texts.msgMetres, { n: Math.round(value) })
        : util.fill(texts.msgKm, { n: (value / 1000).toFixed(1) });
    }

    // The rating this fix would get, its accuracy and its distance to the shop, said as they are now.
    function show(fix, accuracy) {
      var rating = rate(fix, accuracy, target, radius, maxAccuracy);
      widget.dataset.checkinRating = rating.status;
      widget.dataset.checkinDistance = rating.distance === null ? "" : String(Math.round(rating.distance));
      if (ratingLabel) ratingLabel.textContent = texts["label" + rating.status.replace(/(^|_)(\w)/g, function (all, sep, c) { return c.toUpperCase(); })] || rating.status;
      if (!figures) return;
      var parts = [];
      if (accuracy !== null && accuracy !== undefined) parts.push(util.fill(texts.msgAccuracy, { accuracy: metres(accuracy) }));
      if (rating.distance !== null) parts.push(util.fill(texts.msgDistance, { distance: metres(rating.distance) }));
      if (rating.reason === "merchant_unlocated") parts.push(texts.msgUnlocated);
      if (rating.reason === "low_accuracy") parts.push(util.fill(texts.msgLowAccuracy, { limit: Math.round(maxAccuracy) }));
      figures.textContent = parts.join(" · ");
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
      say(util.fill(texts.msgAccepted, { accuracy: Math.round(coords.accuracy) }), "accepted");
      show([coords.latitude, coords.longitude], coords.accuracy);
      if (button) button.textContent = texts.msgAgain || button.textContent;
      setBusy(false);
      widget.dispatchEvent(new CustomEvent("xw:checkin", { bubbles: true, detail: { accuracy: coords.accuracy } }));
    }

    function fail(reason) {
      stop();
      if (best !== null && reason !== "denied") {
        accept(best);
        return;
      }
      var messages = { denied: texts.msgDenied, unsupported: texts.msgUnsupported };
      say(messages[reason] || texts.msgUnavailable, reason);
      show(null, null);
      setBusy(false);
    }

    function start() {
      if (!("geolocation" in navigator)) {
        fail("unsupported");
        return;
      }
      stop();
      best = null;
      say(texts.msgLocating, "locating");
      setBusy(true);
      watchId = navigator.geolocation.watchPosition(function (position) {
        if (best === null || position.coords.accuracy < best.coords.accuracy) best = position;
        if (best.coords.accuracy <= good) {
          accept(best);
          return;
        }
        say(util.fill(texts.msgProgress, { accuracy: Math.round(best.coords.accuracy) }), "improving");
        show([best.coords.latitude, best.coords.longitude], best.coords.accuracy);
      }, function (error) {
        if (error.code === error.PERMISSION_DENIED) fail("denied");
        // Unavailable or a timeout: the timer below decides with the best fix so far.
      }, { enableHighAccuracy: true, maximumAge: 0, timeout: waitMs });
      timer = window.setTimeout(function () {
        if (best !== null) accept(best); else fail("unavailable");
      }, waitMs);
    }

    widget.xwStart = start;
    if (button) button.addEventListener("click", start);
    if (fields.lat && fields.lat.value) {
      // A form shown again (an error, an edit): the fix it holds, rated.
      show([parseFloat(fields.lat.value), parseFloat(fields.lon.value)], parseFloat(fields.accuracy_m.value));
    } else if (widget.hasAttribute("data-checkin-auto")) {
      start();
    }
  }

  function init(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("[data-checkin]")) bind(root);
    root.querySelectorAll("[data-checkin]").forEach(bind);
  }

  // --- saving without a location: asked once ---------------------------------------------------------------

  // True when the form has a check-in widget, no location in it, and the person has not yet said to save anyway.
  function mustAsk(form) {
    var widget = form.querySelector("[data-checkin]");
    if (!widget || form.dataset.noLocationOk === "1") return false;
    var lat = widget.querySelector("[data-checkin-field=lat]");
    return Boolean(lat) && !lat.value;
  }

  // "No location: save as unverifiable?" beside the save button, with the two answers.
  function ask(form) {
    var widget = form.querySelector("[data-checkin]");
    var texts = widget.dataset;
    var old = form.querySelector("[data-no-location-question]");
    if (old) old.remove();
    var box = util.el("div", "notice notice-warn");
    box.setAttribute("role", "alertdialog");
    box.dataset.noLocationQuestion = "";
    box.appendChild(util.el("p", "", texts.msgAskSave));
    var actions = util.el("p", "actions");
    var save = util.el("button", "button", texts.msgSaveAnyway);
    save.type = "button";
    save.dataset.saveUnverifiable = "";
    var again = util.el("button", "button", texts.msgLocateAgain);
    again.type = "button";
    again.dataset.locateAgain = "";
    actions.appendChild(save);
    actions.appendChild(again);
    box.appendChild(actions);
    var submit = form.querySelector("button[type=submit]");
    var anchor = submit ? submit.closest(".save-bar") || submit : null;
    (anchor ? anchor.parentNode : form).insertBefore(box, anchor);
    save.addEventListener("click", function () {
      form.dataset.noLocationOk = "1";
      box.remove();
      form.requestSubmit(submit || undefined);
    });
    again.addEventListener("click", function () {
      box.remove();
      widget.scrollIntoView({ block: "center" });
      if (widget.xwStart) widget.xwStart();
    });
    save.focus();
  }

  document.addEventListener("htmx:load", function (event) { init(event.target); });
  window.xw.checkin = { init: init, rate: rate, distanceM: distanceM, mustAsk: mustAsk, ask: ask };
  init(document);
})();
