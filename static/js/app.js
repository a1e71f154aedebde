// 小微外勤: page-side start-up. No inline scripts (CSP): everything the pages need starts here.
// - the service worker (offline pages, Background Sync);
// - the outbox replay from the page: on every start, on `online`, after something was queued, and on a timer
//   that backs off while the server cannot be reached (static/js/outbox.js does the sending);
// - the sync badge in the header, the "log in again" notice, the question before logging out with items
//   waiting, and a request for persistent storage.
// Texts come translated from data-* attributes of base.html. window.xwSync is the API the visit pages use.
(function () {
  "use strict";
  var outbox = window.xwOutbox || null;
  var body = document.body;
  var user = body ? body.dataset.user || "" : "";
  var DEVICE_KEY = "xw-device-id";
  var SYNC_TAG = "xw-outbox";
  var TIMER_FIRST_MS = 15000;
  var TIMER_MAX_MS = 300000;
  var memoryDeviceId = null;
  var timer = null;
  var timerDelay = TIMER_FIRST_MS;
  var running = null;
  var again = false;
  var sendingId = null;

  function randomId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // The same id visit-form.js keeps (one localStorage key): one phone, one id.
  function deviceId() {
    try {
      var id = window.localStorage.getItem(DEVICE_KEY);
      if (!id) {
        id = randomId();
        window.localStorage.setItem(DEVICE_KEY, id);
      }
      return id;
    } catch (err) {
      memoryDeviceId = memoryDeviceId || randomId();
      return memoryDeviceId;
    }
  }

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (all, name) {
      return values[name] !== undefined ? String(values[name]) : all;
    });
  }

  // "5 min ago" in the page's language, from data-age-* texts on el.
  function age(el, since) {
    var seconds = Math.max(0, (Date.now() - since) / 1000);
    if (seconds < 60) return el.dataset.ageNow || "";
    if (seconds < 3600) return fill(el.dataset.ageMin, { n: Math.floor(seconds / 60) });
    if (seconds < 86400) return fill(el.dataset.ageH, { n: Math.floor(seconds / 3600) });
    return fill(el.dataset.ageD, { n: Math.floor(seconds / 86400) });
  }

  // --- the service worker ----------------------------------------------------------------------------

  function withRegistration(fn) {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(fn).catch(function () { /* no worker: pages still work online */ });
  }

  function askBackgroundSync() {
    withRegistration(function (registration) {
      if (registration.sync && typeof registration.sync.register === "function") {
        registration.sync.register(SYNC_TAG).catch(function () { /* the timer and `online` still replay */ });
      }
    });
  }

  function tellWorker(message) {
    withRegistration(function (registration) {
      if (registration.active) registration.active.postMessage(message);
    });
  }

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function (err) {
        console.warn("service worker registration failed", err);
      });
    });
  }

  // --- replaying from the page ------------------------------------------------------------------------------

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { drain("timer"); }, delay);
  }

  function drain(reason) {
    if (!outbox || !user) return Promise.resolve(null);
    if (running) {
      again = true;
      return running;
    }
    running = outbox.pending().then(function (count) {
      if (!count) return { status: "idle" };
      return outbox.drain({ transport: "xhr", reason: reason });
    }).then(function (result) {
      running = null;
      if (result.status === "done" || result.status === "idle") {
        timerDelay = TIMER_FIRST_MS;
        window.clearTimeout(timer);
      } else if (result.status === "retry-later" || result.status === "offline") {
        // Background Sync where the browser has it; the timer everywhere (its sync may never come).
        askBackgroundSync();
        schedule(timerDelay);
        timerDelay = Math.min(timerDelay * 2, TIMER_MAX_MS);
      }
      refresh();
      if (again) {
        again = false;
        return drain("again");
      }
      return result;
    }, function (err) {
      running = null;
      console.error(err);
      schedule(timerDelay);
      return null;
    });
    return running;
  }

  // --- the badge and the notices -------------------------------------------------------------------------------

  var badge = document.querySelector("[data-sync-badge]");
  var loginNotice = document.querySelector("[data-login-needed]");

  function showBadge(stats) {
    if (!badge) return;
    var count = badge.querySelector("[data-sync-count]");
    var detail = badge.querySelector("[data-sync-detail]");
    var state = "idle";
    var parts = [];
    if (stats.waiting > 0) {
      state = "waiting";
      count.textContent = fill(badge.dataset.msgWaiting, { n: stats.waiting });
      if (stats.loginNeeded) {
        state = "login";
        parts.push(badge.dataset.msgLogin);
      } else if (sendingId) {
        state = "sending";
        parts.push(badge.dataset.msgSending);
      } else if (stats.stale) {
        state = "stale";
        parts.push(badge.dataset.msgStale);
      } else {
        parts.push(fill(badge.dataset.msgOldest, { age: age(badge, stats.oldestAt) }));
      }
      if (stats.refused > 0) parts.push(fill(badge.dataset.msgRefused, { n: stats.refused }));
    } else {
      count.textContent = badge.dataset.msgDone;
      if (stats.lastSuccessAt) parts.push(fill(badge.dataset.msgLast, { age: age(badge, stats.lastSuccessAt) }));
    }
    detail.textContent = parts.join(" · ");
    badge.dataset.syncState = state;
    badge.dataset.syncWaiting = String(stats.waiting);
    badge.hidden = false;
    if (loginNotice) loginNotice.hidden = !(stats.loginNeeded && stats.waiting > 0);
  }

  var refreshing = null;
  function refresh() {
    if (!outbox || !user) return Promise.resolve(null);
    if (refreshing) return refreshing;
    refreshing = outbox.stats(user).then(function (stats) {
      refreshing = null;
      showBadge(stats);
      return stats;
    }, function (err) {
      refreshing = null;
      console.warn("outbox unavailable", err);
      return null;
    });
    return refreshing;
  }

  // --- logging out with items waiting --------------------------------------------------------------------------

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.matches || !form.matches("form.logout-form")) return;
    if (form.dataset.confirmed === "1") {
      tellWorker({ type: "logout" });
      return;
    }
    if (navigator.onLine === false) {
      // Logging out needs the server; trying offline would only lose the page.
      event.preventDefault();
      window.alert(form.dataset.msgOffline);
      return;
    }
    if (!outbox || !user) return;
    event.preventDefault();
    outbox.stats(user).then(function (stats) {
      var waiting = stats.waiting;
      if (waiting > 0 && !window.confirm(fill(form.dataset.confirmWaiting, { n: waiting }))) return;
      form.dataset.confirmed = "1";
      tellWorker({ type: "logout" });
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }, function () {
      form.dataset.confirmed = "1";
      form.submit();
    });
  }, true);

  // --- what the visit pages use ------------------------------------------------------------------------------

  // Resolves when the item was acknowledged ("sent") or refused, or with "waiting" after timeoutMs: the page
  // then says "saved on the phone, waiting to sync" and lets the person go on.
  function whenSettled(itemId, timeoutMs) {
    return new Promise(function (resolve) {
      var done = false;
      var stop = outbox.on(function (message) {
        if (done || message.id !== itemId) return;
        if (message.type === "sent" || message.type === "refused") finish(message.type, message);
      });
      var limit = window.setTimeout(function () { finish("waiting", null); }, timeoutMs);
      function finish(outcome, message) {
        if (done) return;
        done = true;
        stop();
        window.clearTimeout(limit);
        resolve({ outcome: outcome, message: message });
      }
      outbox.getItem(itemId).then(function (item) {
        if (!item) finish("sent", null); // acknowledged before we started listening
        else if (item.state === "refused") finish("refused", { status: item.lastError && item.lastError.status,
          message: item.lastError && item.lastError.message, fields: item.lastError && item.lastError.fields });
      });
    });
  }

  var texts = document.getElementById("xw-texts");

  window.xwSync = {
    supported: Boolean(outbox && window.indexedDB),
    user: function () { return user; },
    deviceId: deviceId,
    randomId: randomId,
    text: function (name) { return texts ? texts.dataset[name] || "" : ""; },
    // Something was queued: send it now if the network allows, and keep the browser's sync pending.
    kick: function () {
      askBackgroundSync();
      return drain("queued");
    },
    whenSettled: whenSettled,
    refresh: refresh,
  };

  if (!outbox || !user) return;

  outbox.on(function (message) {
    if (message.type === "sending") sendingId = message.id;
    if (message.type === "drain-end" || message.type === "sent" || message.type === "refused" ||
        message.type === "retrying") sendingId = null;
    if (message.type === "sending" && !badge) return;
    refresh();
  });
  window.addEventListener("online", function () {
    timerDelay = TIMER_FIRST_MS;
    drain("online");
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refresh();
  });
  window.setInterval(refresh, 30000); // ages move on

  // Ask the browser to keep the outbox through storage pressure (Chromium decides without a prompt).
  if (navigator.storage && typeof navigator.storage.persist === "function") {
    navigator.storage.persisted().then(function (already) {
      if (!already) return navigator.storage.persist();
      return true;
    }).catch(function () { /* the sync page says what it means */ });
  }

  refresh();
  tellWorker({ type: "page", user: user });
  drain("start");
})();
