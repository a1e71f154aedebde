// 小微外勤: the one namespace of the app's JavaScript, self.xw, and the small helpers every script shares.
// Loaded first by every page (base.html) and by the service worker (importScripts). Each other script adds
// one member: xw.outbox (outbox.js), xw.journal (journal.js), xw.replay (replay.js), xw.photoPrep
// (photo-prep.js), xw.exif (exif.js), xw.sync (app.js), xw.visitForm (visit-form.js), xw.photos (photos.js),
// xw.syncPage (sync-page.js), xw.checkin (checkin.js), xw.map (map.js), xw.postLoanVisit (postloan-visit.js),
// xw.capture (capture.js: leads, peer records, survey answers), xw.channelMap (channel-map.js).
// xw.lightbox (lightbox.js), xw.dates (dates.js), xw.push (push.js).
// base.html checks that every script it names in data-xw arrived (a proxy's page stored as a script is a
// broken shell, said at once).
(function (scope) {
  "use strict";
  var xw = scope.xw = scope.xw || {};
  var DEVICE_KEY = "xw-device-id";
  var memoryDeviceId = null;

  function randomId() {
    var cryptoApi = scope.crypto;
    if (cryptoApi && typeof cryptoApi.randomUUID === "function") return cryptoApi.randomUUID();
    // randomUUID needs a secure context; getRandomValues does not (a LAN address over http).
    var bytes = new Uint8Array(16);
    cryptoApi.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // One random id per installation (the server notices one phone checking in a whole squad). The service
  // worker has no localStorage: items carry the id their page gave them.
  function deviceId() {
    try {
      var id = scope.localStorage.getItem(DEVICE_KEY);
      if (!id) {
        id = randomId();
        scope.localStorage.setItem(DEVICE_KEY, id);
      }
      return id;
    } catch (err) {
      // Private mode without storage: one id for this page's life is still better than none.
      memoryDeviceId = memoryDeviceId || randomId();
      return memoryDeviceId;
    }
  }

  // Sent with every write: the device (see above) and its clock when the request leaves (clock-skew flag).
  function clientHeaders() {
    return { "X-Device-Id": deviceId(), "X-Client-Time": new Date().toISOString() };
  }

  // "{n} waiting" with { n: 3 }: the translated templates come from data-* attributes.
  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (all, name) {
      return values[name] !== undefined && values[name] !== null ? String(values[name]) : all;
    });
  }

  // A new element; its text only ever as a text node (user text is never HTML).
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // "5 min ago" in the page's language, from the data-age-* texts on the element.
  function age(holder, since) {
    var seconds = Math.max(0, (Date.now() - since) / 1000);
    var texts = holder.dataset;
    if (seconds < 60) return texts.ageNow || "";
    if (seconds < 3600) return fill(texts.ageMin, { n: Math.floor(seconds / 60) });
    if (seconds < 86400) return fill(texts.ageH, { n: Math.floor(seconds / 3600) });
    return fill(texts.ageD, { n: Math.floor(seconds / 86400) });
  }

  // A moment on the phone's clock, in its language: "12/3 14:05".
  function when(ms) {
    var lang = scope.document ? scope.document.documentElement.lang : undefined;
    return new Date(ms).toLocaleString(lang || undefined, { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // "2026-11-28T09:30:00+08:00": the phone's own wall clock and zone, as the server expects.
  function isoWithOffset(date) {
    var offset = -date.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    var abs = Math.abs(offset);
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
      pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) +
      sign + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
  }

  // "3.8" (MB, one decimal, at least 0.1): what a person needs to free.
  function megabytes(bytes) {
    return Math.max(0.1, Math.round((bytes || 0) / 104857.6) / 10).toFixed(1);
  }

  // fetch() that gives up after ms: a network that never answers must not hold anything forever.
  function fetchWithTimeout(url, options, ms) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, ms);
    var settings = Object.assign({}, options || {}, { signal: controller.signal });
    return fetch(url, settings).then(function (response) {
      clearTimeout(timer);
      return response;
    }, function (err) {
      clearTimeout(timer);
      throw err && err.name === "AbortError" ? new Error("timeout") : err;
    });
  }

  // The end of a promise chain whose failure has nobody to tell but the console.
  function report(err) {
    console.error(err);
  }

  xw.util = {
    randomId: randomId, deviceId: deviceId, clientHeaders: clientHeaders, fill: fill, el: el, age: age, when: when,
    isoWithOffset: isoWithOffset, megabytes: megabytes, fetchWithTimeout: fetchWithTimeout, report: report,
  };
})(self);
