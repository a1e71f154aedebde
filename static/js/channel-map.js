// 小微外勤: drawing a channel's area on the map of the channel form, xw.channelMap. Each tap on the map adds a
// corner; the corners go to the hidden field "area" as WGS-84 [lat, lon] pairs (the tiles may be GCJ-02: map.js
// converts), and the map shows them as dots joined into the area. "Clear the area" starts again.
(function () {
  "use strict";
  var xw = window.xw;
  xw.channelMap = {};
  var el = document.querySelector("[data-channel-area-map]");
  var field = document.querySelector("[data-channel-area]");
  if (!el || !field || !window.L || !xw.map || !xw.map.maps) return;
  var entry = xw.map.maps.get(el.id) || xw.map.create(el);
  var corners = document.getElementById("channel-area-corners");
  var shape = null;

  function ring() {
    try {
      var value = JSON.parse(field.value || "[]");
      return Array.isArray(value) ? value : [];
    } catch (err) {
      return [];
    }
  }

  function draw(points) {
    var shown = points.map(function (p) { return xw.map.datum.toDisplay(p[0], p[1], entry.datum); });
    corners.dataset.markers = JSON.stringify(shown.map(function (p, i) {
      return { id: i + 1, lat: p[0], lon: p[1], name: "", state: "corner" };
    }));
    xw.map.render(entry);
    if (shape) { shape.remove(); shape = null; }
    if (shown.length >= 2) shape = L.polygon(shown, { className: "xw-area", interactive: false }).addTo(entry.map);
  }

  entry.map.on("click", function (event) {
    var points = ring();
    var wgs = xw.map.datum.toWgs84(event.latlng.lat, event.latlng.lng, entry.datum);
    points.push([Math.round(wgs[0] * 1e7) / 1e7, Math.round(wgs[1] * 1e7) / 1e7]);
    field.value = JSON.stringify(points);
    draw(points);
  });

  var clear = document.querySelector("[data-channel-area-clear]");
  if (clear) {
    clear.addEventListener("click", function () {
      field.value = "";
      draw([]);
    });
  }
  draw(ring());
  xw.channelMap = { entry: entry, ring: ring, draw: draw };
})();
