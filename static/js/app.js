// 小微外勤: page-side start-up, xw.sync. No inline scripts (CSP): everything the pages need starts here.
// - the shell check: every script the page names (data-xw) arrived and ran, or an error says so and offers to
//   fetch the app's files again (a proxy's page stored as a script must not silently stop offline work);
// - the service worker (offline pages, Background Sync);
// - the outbox replay from the page: on every start, on `online`, after something was queued, and on a timer
//   that backs off while the server cannot be reached (replay.js does the sending). Browsers without
//   Background Sync (Firefox, Safari) rely on these alone;
// - the journal (journal.js): a wiped outbox is said, never taken for "all sent";
// - photos whose page was left while they were being shrunk are shrunk here (photo-prep.js);
// - the sync badge, the "log in again" notice, the question before logging out with items waiting, the advice
//   to iPhone users to add the app to the home screen, and persistent storage asked for when it can be had.
// Texts come translated from data-* attributes of base.html.
(function () {
  "use strict";
  var xw = window.xw;
  var util = xw.util;
  var outbox = xw.outbox;
  var body = document.body;
  var user = body.dataset.user || "";
  var SYNC_TAG = "xw-outbox";
  var TIMER_FIRST_MS = 15000;
  var TIMER_MAX_MS = 300000;
  var timer = null;
  var timerDelay = TIMER_FIRST_MS;
  var running = null;
  var again = false;
  var sendingId = null;
  var texts = document.getElementById("xw-texts");

  function text(name) { return texts ? texts.dataset[name] || "" : ""; }

  // --- the shell -----------------------------------------------------------------------------------------

  // Every <script data-xw="name"> must have set xw[name]; otherwise a file of the app is broken (a portal's
  // page where a script should be). The warning shows by itself after a few seconds unless this runs (CSS).
  function checkShell() {
    var warning = document.querySelector("[data-shell-error]");
    var missing = Array.prototype.filter.call(document.querySelectorAll("script[data-xw]"), function (script) {
      return !xw[script.dataset.xw];
    }).map(function (script) { return script.dataset.xw; });
    if (!warning) return missing.length === 0;
    if (!missing.length) {
      warning.remove();
      return true;
    }
    warning.classList.add("shell-error-now");
    warning.dataset.missing = missing.join(" ");
    return false;
  }

  // --- the service worker ----------------------------------------------------------------------------

  function withRegistration(fn) {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(fn).catch(util.report);
  }

  function askBackgroundSync() {
    withRegistration(function (registration) {
      if (registration.sync && typeof registration.sync.register === "function") {
        // Refused (a permission, a private window): the timer and `online` still replay.
        return registration.sync.register(SYNC_TAG).catch(function () { return null; });
      }
      return null;
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
    if (!user) return Promise.resolve(null);
    if (running) {
      again = true;
      return running;
    }
    running = outbox.pending().then(function (count) {
      if (!count) return { status: "idle" };
      return xw.replay.drain({ transport: "xhr", reason: reason });
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
      util.report(err);
      schedule(timerDelay);
      return null;
    });
    return running;
  }

  // --- the badge and the notices -------------------------------------------------------------------------------

  var badge = document.querySelector("[data-sync-badge]");
  var loginNotice = document.querySelector("[data-login-needed]");
  var passwordNotice = document.querySelector("[data-password-change-needed]");

  function badgeState(stats, parts) {
    var msg = badge.dataset;
    if (stats.waiting > 0) {
      if (stats.refused + stats.stuck > 0) parts.push(util.fill(msg.msgRefused, { n: stats.refused + stats.stuck }));
      if (stats.loginNeeded) { parts.unshift(stats.loginNeeded.passwordChange ? msg.msgPassword : msg.msgLogin); return "login"; }
      if (sendingId) { parts.unshift(msg.msgSending); return "sending"; }
      if (stats.stale) { parts.unshift(msg.msgStale); return "stale"; }
      parts.unshift(util.fill(msg.msgOldest, { age: util.age(badge, stats.oldestAt) }));
      return "waiting";
    }
    if (stats.lost) return "lost";
    if (stats.kept + stats.drafts > 0) return "kept";
    if (stats.lastSuccessAt) parts.push(util.fill(msg.msgLast, { age: util.age(badge, stats.lastSuccessAt) }));
    return "idle";
  }

  var COUNT_TEXT = { lost: "msgLost", kept: "msgKept", idle: "msgDone" };

  function showBadge(stats) {
    if (!badge) return;
    var parts = [];
    var state = badgeState(stats, parts);
    var count = { lost: stats.lost, kept: stats.kept + stats.drafts }[state] || stats.waiting;
    badge.querySelector("[data-sync-count]").textContent = util.fill(badge.dataset[COUNT_TEXT[state] || "msgWaiting"], { n: count });
    badge.querySelector("[data-sync-detail]").textContent = parts.join(" · ");
    badge.dataset.syncState = state;
    badge.dataset.syncWaiting = String(stats.waiting);
    badge.hidden = false;
    // Queued items wait for the person: a new login, or the new password an administrator requires.
    var waitsForPerson = Boolean(stats.loginNeeded && stats.waiting > 0);
    var forPassword = waitsForPerson && Boolean(stats.loginNeeded.passwordChange);
    if (loginNotice) loginNotice.hidden = !waitsForPerson || forPassword;
    if (passwordNotice) passwordNotice.hidden = !forPassword;
  }

  // Reads are coalesced, but a change that arrives while a read is under way may not be in it (the read began
  // before the change was written): then the badge is read once more when that read ends, or it would keep
  // showing what was true before the change (the lost items just marked read, say) until the next timer.
  var refreshing = null;
  var changedDuringRead = false;
  function refresh() {
    if (!user) return Promise.resolve(null);
    if (refreshing) {
      changedDuringRead = true;
      return refreshing;
    }
    changedDuringRead = false;
    refreshing = Promise.all([outbox.stats(user), xw.journal.lostOf(user)]).then(function (results) {
      refreshing = null;
      var stats = results[0];
      stats.lost = results[1] ? results[1].total : 0;
      showBadge(stats);
      return changedDuringRead ? refresh() : stats;
    }, function (err) {
      refreshing = null;
      util.report(err);
      return changedDuringRead ? refresh() : null;
    });
    return refreshing;
  }

  // --- logging out with items waiting --------------------------------------------------------------------------

  function logoutSays(form, text) {
    var box = form.querySelector("[data-logout-message]");
    if (!box) {
      window.alert(text);
      return;
    }
    box.textContent = text;
    box.hidden = false;
  }

  // Logging out needs the server. It is sent by fetch, so a phone without a network hears so on the page (the
  // service worker answers a failed logout with a network error), rather than staying put or showing the
  // offline page. Once the server agreed (its redirect), the pages kept for this user go and the login opens.
  function logOut(form) {
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        if (response.type === "opaqueredirect" || (response.status >= 200 && response.status < 400)) {
          tellWorker({ type: "logout" });
          window.location.assign(form.dataset.loginUrl || "/login");
          return;
        }
        // Refused (an expired form token): the plain form post shows the server's own answer.
        form.dataset.confirmed = "1";
        form.submit();
      }, function () {
        logoutSays(form, form.dataset.msgOffline);
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.matches || !form.matches("form.logout-form")) return;
    if (form.dataset.confirmed === "1") {
      tellWorker({ type: "logout" });
      return;
    }
    event.preventDefault();
    if (navigator.onLine === false) {
      logoutSays(form, form.dataset.msgOffline);
      return;
    }
    if (!user) {
      logOut(form);
      return;
    }
    outbox.stats(user).then(function (stats) {
      var waiting = stats.waiting;
      if (waiting > 0 && !window.confirm(util.fill(form.dataset.confirmWaiting, { n: waiting }))) return;
      logOut(form);
    }, function (err) {
      util.report(err);
      logOut(form);
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
        else if (item.state === "refused") finish("refused", item.lastError);
      }, function (err) {
        util.report(err);
        finish("waiting", null);
      });
    });
  }

  // --- keeping what the phone holds ------------------------------------------------------------------------------

  function standalone() {
    return navigator.standalone === true || window.matchMedia("(display-mode: standalone)").matches;
  }

  // Chromium grants persistence without a prompt to an installed app or a site the person uses; asking after a
  // save (engagement) or from the home screen is when it can be had. The answer is kept for the sync page.
  function askPersistence() {
    if (!navigator.storage || typeof navigator.storage.persist !== "function") return Promise.resolve(null);
    return navigator.storage.persisted().then(function (already) {
      return already || navigator.storage.persist();
    }).then(function (granted) {
      return outbox.setMeta("persistence", { granted: granted, at: Date.now() }).then(function () { return granted; });
    }).catch(function (err) {
      util.report(err);
      return null;
    });
  }

  // Safari deletes what a site keeps after seven days without a visit, unless the app is on the home screen.
  function adviseIphone() {
    var advice = document.querySelector("[data-ios-install]");
    if (!advice) return;
    var iphone = /iPhone|iPad|iPod/.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
    advice.hidden = !(iphone && !standalone());
  }

  xw.sync = {
    user: function () { return user; },
    text: text,
    // Something was queued: send it now if the network allows, and keep the browser's sync pending.
    kick: function () {
      askBackgroundSync();
      return drain("queued");
    },
    // The person asks to send now: stuck items get another chance too.
    sendNow: function () {
      return outbox.list().then(function (items) {
        return Promise.all(items.filter(function (i) { return i.author === user && i.state === "stuck"; })
          .map(function (i) { return outbox.retry(i.id); }));
      }).then(function () { return xw.sync.kick(); });
    },
    whenSettled: whenSettled,
    refresh: refresh,
    askPersistence: askPersistence,
    repair: function () {
      tellWorker({ type: "repair" });
    },
  };

  function start() {
    adviseIphone();
    if (!checkShell()) {
      // Forget the kept files so the next load fetches them again (the warning's link does the same).
      tellWorker({ type: "repair" });
      return;
    }
    if (!user) return;
    outbox.on(function (message) {
      if (message.type === "sending") sendingId = message.id;
      if (["drain-end", "sent", "refused", "retrying", "stuck"].indexOf(message.type) >= 0) sendingId = null;
      if (message.type === "prepared") drain("prepared");
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

    // The journal first (a wiped outbox is found before anything is sent), then what the page left undone.
    xw.journal.reconcile().then(function () {
      return outbox.tidy();
    }).then(function () {
      if (standalone()) askPersistence();
      refresh();
      tellWorker({ type: "page", user: user });
      xw.photoPrep.resume(user);
      return drain("start");
    }).then(function () {
      return xw.replay.askSession().then(function (asked) {
        if (asked.session && asked.session.user === user) return xw.journal.verify(user, asked.session.csrf);
        return null;
      });
    }).then(refresh).catch(util.report);
  }

  // After every deferred script of the page ran (the page's own come after this one).
  document.addEventListener("DOMContentLoaded", start);
})();
