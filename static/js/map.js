// 小微外勤: Leaflet maps of merchants (sweep plan, board, Today), xw.map. No inline scripts (CSP): every map is a
// <div data-map> whose markers come, already in the tiles' datum, from the data-markers JSON of the element
// named by data-markers-from; that element may be swapped by htmx, so the markers are re-read after swaps.
// Tiles: the configured XYZ template (by default AMap's public GCJ-02 tiles, webapp/config.py); with none, or
// offline, the markers sit on the plain CSS background of the div. The map is its own stacking context
// (app.css .map), so Leaflet's panes never paint over the header or the tab bar.
(function () {
  "use strict";
  if (!window.L) { return; }
  var api = window.xw.map = window.xw.map || {};
  var maps = api.maps = api.maps || new Map();

  // --- datum: the browser only converts what the user draws (map.js markers arrive converted) -----------
  // GCJ-02 is WGS-84 plus a published offset inside a rough box around China; the inverse has no closed
  // form and is solved by fixed-point iteration, like webapp/geo/coords.py on the server.
  var GCJ_A = 6378245.0;
  var GCJ_EE = 0.00669342162296594323;

  function inChina(lat, lon) {
    return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
  }
  function offsetLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320.0 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function offsetLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return r;
  }
  function wgs84ToGcj02(lat, lon) {
    if (!inChina(lat, lon)) { return [lat, lon]; }
    var x = lon - 105.0, y = lat - 35.0;
    var radLat = lat / 180.0 * Math.PI;
    var s = Math.sin(radLat);
    var w = 1 - GCJ_EE * s * s;
    var sw = Math.sqrt(w);
    var dLat = (offsetLat(x, y) * 180.0) / ((GCJ_A * (1 - GCJ_EE)) / (w * sw) * Math.PI);
    var dLon = (offsetLon(x, y) * 180.0) / (GCJ_A / sw * Math.cos(radLat) * Math.PI);
    return [lat + dLat, lon + dLon];
  }
  function gcj02ToWgs84(lat, lon) {
    if (!inChina(lat, lon)) { return [lat, lon]; }
    var g = [lat, lon];
    for (var i = 0; i < 50; i++) {
      var f = wgs84ToGcj02(g[0], g[1]);
      var rLat = f[0] - lat, rLon = f[1] - lon;
      g = [g[0] - rLat, g[1] - rLon];
      if (Math.abs(rLat) < 1e-9 && Math.abs(rLon) < 1e-9) { break; }
    }
    return g;
  }
  api.datum = {
    wgs84ToGcj02: wgs84ToGcj02,
    gcj02ToWgs84: gcj02ToWgs84,
    // Map (display) coordinates to WGS-84 for the server, and back; BD-09 tiles are not XYZ, so not here.
    toWgs84: function (lat, lon, datum) { return datum === "gcj02" ? gcj02ToWgs84(lat, lon) : [lat, lon]; },
    toDisplay: function (lat, lon, datum) { return datum === "gcj02" ? wgs84ToGcj02(lat, lon) : [lat, lon]; }
  };

  // --- maps -------------------------------------------------------------------------------------------
  function readMarkers(selector) {
    var source = selector ? document.querySelector(selector) : null;
    if (!source || !source.dataset.markers) { return null; }
    try { return JSON.parse(source.dataset.markers); } catch (e) { return []; }
  }

  function markerClass(m) {
    var parts = ["xw-marker", "state-" + (m.state || "pending")];
    if (m.squad !== undefined) { parts.push("squad-" + (m.squad % 8)); }
    if (m.seq) { parts.push("seq-stop"); }
    return parts.join(" ");
  }

  // Leaflet parses a string given to bindTooltip or bindPopup as HTML: user text (a merchant's name) reaches it
  // only as a DOM node holding text.
  function textNode(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function render(entry) {
    var markers = readMarkers(entry.source);
    if (markers === null) { return; }
    entry.layer.clearLayers();
    var bounds = [];
    var line = [];
    markers.forEach(function (m) {
      var at = [m.lat, m.lon];
      bounds.push(at);
      if (m.state === "me") {
        L.circleMarker(at, { radius: 9, className: "xw-me" }).addTo(entry.layer);
        line.push({ seq: 0, at: at });
        return;
      }
      var marker = L.circleMarker(at, { radius: m.seq ? 10 : 8, className: markerClass(m) }).addTo(entry.layer);
      if (m.seq) {
        line.push({ seq: m.seq, at: at });
        marker.bindTooltip(String(m.seq), { permanent: true, direction: "center", className: "xw-seq" });
        marker.bindPopup(textNode(m.seq + ". " + m.name));
      } else if (m.name) {
        marker.bindTooltip(textNode(m.name));
      }
    });
    if (line.length > 1) {
      line.sort(function (a, b) { return a.seq - b.seq; });
      L.polyline(line.map(function (p) { return p.at; }), { className: "xw-route-line", interactive: false })
        .addTo(entry.layer);
    }
    entry.el.dataset.markerCount = String(markers.length);
    if (bounds.length && (entry.refit === "always" || !entry.fitted)) {
      if (bounds.length === 1) { entry.map.setView(bounds[0], 16); }
      else { entry.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 }); }
      entry.fitted = true;
    }
  }

  // The view is set from the markers before the tiles are added: tiles are fetched and drawn once, at the zoom
  // the map will show, rather than first around the configured centre and again after the fit (half the tiles
  // and one long task less on a phone's first paint).
  function create(el) {
    if (maps.has(el.id)) { return maps.get(el.id); }
    var map = L.map(el, { attributionControl: Boolean(el.dataset.tileAttribution) });
    if (map.attributionControl) { map.attributionControl.setPrefix(false); }
    var entry = {
      el: el, map: map, layer: L.layerGroup().addTo(map), source: el.dataset.markersFrom,
      refit: el.dataset.refit || "once", fitted: false, datum: el.dataset.datum || "wgs84"
    };
    maps.set(el.id, entry);
    render(entry);
    if (!entry.fitted) {
      var centre = (el.dataset.centre || "").split(",").map(Number);
      if (centre.length === 2 && isFinite(centre[0]) && isFinite(centre[1]) && el.dataset.centre) {
        map.setView(centre, 14);
      } else {
        map.setView([30.27, 120.16], 12);
      }
    }
    var url = el.dataset.tileUrl;
    if (url) {
      // {s} directly after a host prefix (AMap's webrd0{s}, Tianditu's t{s}) counts 1-4; OSM's {s}. is a-c.
      var subdomains = /[A-Za-z0-9]\{s\}/.test(url) ? "1234" : "abc";
      L.tileLayer(url, { maxZoom: 19, subdomains: subdomains, attribution: el.dataset.tileAttribution || "" })
        .addTo(map);
    }
    return entry;
  }

  api.create = create;
  api.render = render;

  document.querySelectorAll("[data-map]").forEach(create);
  document.addEventListener("htmx:afterSettle", function () {
    maps.forEach(function (entry) {
      if (document.body.contains(entry.el)) { render(entry); }
    });
  });
})();
