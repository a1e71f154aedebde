// 小微外勤: drawing on the sweep-plan map. A minimal tool of our own: tap to add an area's corners, close or
// clear it; or tap once to set the centre of a radius. What is drawn goes into the form in WGS-84 (the map
// may show GCJ-02 tiles), and a change event makes htmx refresh the preview of the merchants picked.
(function () {
  "use strict";
  var api = window.xw.map;
  var tools = document.getElementById("draw-tools");
  var entry = api && api.maps.get("plan-map");
  if (!tools || !entry) { return; }
  var map = entry.map;
  var datum = tools.dataset.datum || "wgs84";
  var input = document.getElementById("polygon");
  var latInput = document.getElementById("centre_lat");
  var lonInput = document.getElementById("centre_lon");
  var radiusInput = document.getElementById("radius_m");
  var status = document.getElementById("draw-status");
  var layer = L.layerGroup().addTo(map);
  var vertices = [];   // display coordinates, as tapped
  var closed = false;
  var mode = null;     // "area", "centre" or null

  function say(text) { if (status) { status.textContent = text; } }

  function setMode(next) {
    mode = next;
    tools.querySelectorAll("[data-draw=area], [data-draw=centre]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.draw === mode));
    });
    map.getContainer().classList.toggle("drawing", mode !== null);
  }

  function changed(field) {
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function drawArea() {
    layer.eachLayer(function (l) { if (l.options.className === "xw-area") { layer.removeLayer(l); } });
    if (!vertices.length) { return; }
    var shape = closed
      ? L.polygon(vertices, { className: "xw-area", interactive: false })
      : L.polyline(vertices, { className: "xw-area", interactive: false });
    shape.addTo(layer);
  }

  function storeArea() {
    if (closed && vertices.length >= 3) {
      input.value = JSON.stringify(vertices.map(function (v) {
        var w = api.datum.toWgs84(v[0], v[1], datum);
        return [Number(w[0].toFixed(7)), Number(w[1].toFixed(7))];
      }));
    } else {
      input.value = "";
    }
    changed(input);
  }

  var centreMark = null;
  function drawCentre() {
    if (centreMark) { layer.removeLayer(centreMark); centreMark = null; }
    var lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value), radius = parseFloat(radiusInput.value);
    if (!isFinite(lat) || !isFinite(lon)) { return; }
    var shown = api.datum.toDisplay(lat, lon, datum);
    centreMark = isFinite(radius) && radius > 0
      ? L.circle(shown, { radius: radius, className: "xw-radius", interactive: false })
      : L.circleMarker(shown, { radius: 6, className: "xw-radius", interactive: false });
    centreMark.addTo(layer);
  }

  map.on("click", function (event) {
    var at = [event.latlng.lat, event.latlng.lng];
    if (mode === "area") {
      if (closed) { vertices = []; closed = false; }
      vertices.push(at);
      drawArea();
      say((tools.dataset.cornersText || "{count}").replace("{count}", String(vertices.length)));
    } else if (mode === "centre") {
      var w = api.datum.toWgs84(at[0], at[1], datum);
      latInput.value = w[0].toFixed(6);
      lonInput.value = w[1].toFixed(6);
      if (!radiusInput.value) { radiusInput.value = "500"; }
      setMode(null);
      drawCentre();
      changed(latInput);
    }
  });

  tools.addEventListener("click", function (event) {
    var button = event.target.closest("[data-draw]");
    if (!button) { return; }
    var action = button.dataset.draw;
    if (action === "area") {
      setMode(mode === "area" ? null : "area");
    } else if (action === "centre") {
      setMode(mode === "centre" ? null : "centre");
    } else if (action === "close") {
      if (vertices.length >= 3) { closed = true; setMode(null); drawArea(); storeArea(); }
    } else if (action === "clear") {
      vertices = []; closed = false; setMode(null); drawArea(); storeArea();
    }
  });

  [latInput, lonInput, radiusInput].forEach(function (field) {
    if (field) { field.addEventListener("change", drawCentre); }
  });

  // A form sent back with errors keeps what was drawn: show it again.
  if (input.value) {
    try {
      vertices = JSON.parse(input.value).map(function (v) { return api.datum.toDisplay(v[0], v[1], datum); });
      closed = vertices.length >= 3;
      drawArea();
    } catch (e) { input.value = ""; }
  }
  drawCentre();
})();
