// 小微外勤: the Today page asks the phone where it is and reloads the route partial in walking order from
// there. The coordinates are the manager's own (GET parameters are fine for them); without a position the
// server's order from the first stop stays.
(function () {
  "use strict";
  var status = document.getElementById("today-position");
  var button = document.getElementById("locate-me");
  if (!status || !window.htmx) { return; }

  function say(key) {
    var text = status.dataset[key];
    if (text) { status.textContent = text; }
  }

  function load(position) {
    var c = position.coords;
    var url = status.dataset.routeUrl + "?lat=" + c.latitude.toFixed(6) + "&lon=" + c.longitude.toFixed(6);
    window.htmx.ajax("GET", url, { target: "#today-route", swap: "outerHTML" }).then(function () {
      say("found");
    }, function () {
      say("failed");
    });
  }

  function locate() {
    if (!("geolocation" in navigator)) { say("failed"); return; }
    say("waiting");
    navigator.geolocation.getCurrentPosition(load, function () { say("failed"); },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  }

  if (button) { button.addEventListener("click", locate); }
  locate();
})();
