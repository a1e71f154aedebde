// 小微外勤: saving a visit (or a squad member's confirmation) through the outbox, xw.visitSave.
//
// The visit is written to the phone first, the page says so at once, and it is sent to the JSON API now or
// when the network is back. Online, the page waits for the answer: the visit page on success (after the
// photos taken on the form went too; not if the person already left for another page), the server's reasons
// beside the fields when it refuses; the refused visit stays on the phone and saving again replaces it. Saving
// first waits until every photo picked is kept on the phone (photos.js whenKept) and does not save while one
// could not be kept.
//
// /merchants/<id>/visits/new?correct=<visit id> opens a refused visit in its form, filled from what the
// phone kept, with the server's reasons beside the fields (the sync page links there).
//
// Without storage (no IndexedDB, or a phone that cannot open it) the form posts itself through htmx. Either way a
// visit with no location is saved only after the person answered "save as unverifiable?" (checkin.js).
(function () {
  "use strict";
  var xw = window.xw;
  var util = xw.util;
  var form = xw.visitForm;
  var PLACEHOLDER_ID = "00000000-0000-4000-8000-000000000000";
  var SETTLE_MS = 10000;
  var PHOTOS_MS = 60000;
  var LATER_MS = 6 * 3600 * 1000;

  // Once the person starts leaving the page (a tap on the menu, a link, back), the form no longer moves on by
  // itself: its move to the saved visit would cancel the page they chose while that page loads. pageshow: the
  // page came back from the browser's cache.
  var leaving = false;
  window.addEventListener("beforeunload", function () { leaving = true; });
  window.addEventListener("pageshow", function () { leaving = false; });

  function outboxReady() {
    return Boolean(window.indexedDB && xw.sync.user());
  }

  function setBusy(el, busy) {
    el.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = busy; });
  }

  function kindLabel(el) {
    var checked = el.querySelector("input[data-visit-kind]:checked");
    var label = checked ? checked.closest("label") : null;
    return label ? label.textContent.trim() : "";
  }

  function link(href, text) {
    var a = util.el("a", "", text);
    a.href = href;
    return a;
  }

  // The save button of a visit kept on the phone: off, saying so (or that it was sent since).
  function markSaved(el, text) {
    el.querySelectorAll("button[type=submit]").forEach(function (b) {
      if (b.dataset.label === undefined) b.dataset.label = b.textContent;
      b.disabled = true;
      if (text || b.dataset.msgSaved) b.textContent = text || b.dataset.msgSaved;
    });
    el.dataset.savedOnPhone = "1";
  }

  function unmarkSaved(el) {
    el.querySelectorAll("button[type=submit]").forEach(function (b) {
      if (b.dataset.label !== undefined) b.textContent = b.dataset.label;
    });
    delete el.dataset.savedOnPhone;
    delete el.dataset.waitedLong;
  }

  function savedNotice(el, links) {
    var span = util.el("span");
    links.forEach(function (item, i) {
      if (i) span.appendChild(document.createTextNode(" · "));
      span.appendChild(link(item.href, item.text));
    });
    var box = form.notice(el, "saved-offline", [xw.sync.text("savedOffline"), xw.sync.text("savedOfflineDetail"), span], "status");
    box.dataset.savedNotice = "";
    box.scrollIntoView({ block: "center" });
    // Said plainly where it matters: this phone may delete what it keeps.
    xw.sync.askPersistence().then(function (granted) {
      if (granted === false && box.isConnected) box.appendChild(util.el("p", "small", xw.sync.text("notPersisted")));
    }, util.report);
    return box;
  }

  // Until the photos of this visit that are on the phone were sent, or the replay ended without them.
  function waitForPhotos(visitId) {
    return new Promise(function (resolve) {
      var done = false;
      var stop = xw.outbox.on(function (message) {
        if (["drain-end", "sent", "refused", "changed", "prepared", "stuck"].indexOf(message.type) >= 0) {
          check(message.type === "drain-end");
        }
      });
      var limit = window.setTimeout(finish, PHOTOS_MS);
      function finish() {
        if (done) return;
        done = true;
        stop();
        window.clearTimeout(limit);
        resolve();
      }
      function check(drainEnded) {
        xw.outbox.list().then(function (items) {
          var photos = items.filter(function (i) { return i.visitId === visitId && i.kind === "photo"; });
          var preparing = photos.some(function (i) { return i.raw; });
          var queued = photos.some(function (i) { return i.state === "queued"; });
          if (!queued || (drainEnded && !preparing)) finish();
        }, finish);
      }
      check(false);
    });
  }

  function refusedHere(el, detail, ifMatch, visitUrl) {
    if (detail.status === 422 && detail.fields) {
      form.showErrors(el, detail.fields, detail.message || el.dataset.msgErrors);
      return;
    }
    var lines = [detail.message || el.dataset.msgRefused];
    if (detail.status === 409) {
      // Like the server's form: an edit reloads the edit page, a new visit opens the saved one.
      lines.push(link(ifMatch ? el.dataset.reloadUrl : visitUrl, el.dataset.msgReload));
    }
    form.notice(el, "notice-error", lines, "alert").dataset.conflict = "";
  }

  // Storage failed for the visit itself: online, the form posts itself; offline, the person hears why.
  function storageFailed(el, err) {
    util.report(err);
    setBusy(el, false);
    if (navigator.onLine !== false && window.htmx) {
      el.dataset.direct = "1";
      el.requestSubmit();
      return;
    }
    form.notice(el, "notice-error", [el.dataset.msgNoStorage], "alert");
  }

  function queueVisit(el, visitId, ifMatch, saved) {
    var itemId = "visit:" + visitId;
    return xw.outbox.enqueueVisit({
      visitId: visitId, body: saved, author: xw.sync.user(), deviceId: util.deviceId(), ifMatch: ifMatch ? ifMatch.value : null,
      label: [el.dataset.merchantName || "", kindLabel(el)].filter(Boolean).join(" · "),
    }).then(function () {
      el.dataset.savedVisit = visitId;
      var notice = savedNotice(el, [
        { href: el.dataset.todayUrl, text: el.dataset.msgToday },
        { href: el.dataset.syncUrl, text: el.dataset.msgSyncPage },
      ]);
      el.dispatchEvent(new CustomEvent("xw:visit-saved", { bubbles: true, detail: { visitId: visitId } }));
      markSaved(el, null);  // it is on the phone from this moment; the button says so until the server answers
      xw.sync.kick();
      var visitUrl = el.dataset.visitUrl.replace(PLACEHOLDER_ID, visitId);
      // Sent while the form stays here: say so, and where the visit is now.
      function sentHere() {
        markSaved(el, xw.sync.text("sent"));
        notice.appendChild(util.el("p", "", "")).appendChild(link(visitUrl, el.dataset.msgVisitPage || visitUrl));
        return null;
      }
      function settled(result) {
        if (result.outcome === "sent" && el.dataset.waitedLong === "1") return sentHere();
        if (result.outcome === "sent") {
          // The photos go right after their visit: let them finish here (their bars are on this page), then
          // open the visit, unless the person is on the way to another page. Whatever is left is sent from the
          // next page.
          return waitForPhotos(visitId).then(function () {
            if (leaving) return sentHere();
            window.location.assign(visitUrl);
            return null;
          });
        }
        if (result.outcome === "refused") {
          unmarkSaved(el);
          setBusy(el, false);
          notice.remove();
          refusedHere(el, result.message || {}, ifMatch, visitUrl);
          return null;
        }
        // "waiting": the notice already says it is kept on the phone; it goes when the network allows. The
        // button stays off and says so (a second tap would only save the same visit again) until the server
        // answers: a refusal, even hours later, opens the form again with the reasons beside the fields.
        el.dataset.waitedLong = "1";
        return xw.sync.whenSettled(itemId, LATER_MS).then(settled);
      }
      return xw.sync.whenSettled(itemId, SETTLE_MS).then(settled);
    }, function (err) { storageFailed(el, err); });
  }

  function saveVisit(el) {
    var visitId = el.querySelector("input[name=visit_id]").value;
    var ifMatch = el.querySelector("input[name=if_match]");
    var saved = form.body(el);
    form.clearMessages(el);
    var problems = form.localErrors(el, saved);
    if (Object.keys(problems).length) {
      form.showErrors(el, problems, el.dataset.msgErrors);
      return;
    }
    setBusy(el, true);
    var photos = xw.photos ? xw.photos.of(el) : null;
    var waiting = photos && photos.pending ? form.notice(el, "", [el.dataset.msgKeeping], "status") : null;
    (photos ? photos.whenKept() : Promise.resolve({ failed: 0 })).then(function (kept) {
      if (waiting) waiting.remove();
      if (kept.failed) {
        setBusy(el, false);
        form.notice(el, "notice-error", [util.fill(el.dataset.msgUnkept, { n: kept.failed })], "alert").dataset.photosUnkept = "";
        return null;
      }
      return queueVisit(el, visitId, ifMatch, saved);
    }).catch(function (err) {
      util.report(err);
      setBusy(el, false);
    });
  }

  function saveConfirmation(el) {
    var match = /\/visits\/([0-9a-f-]{36})\/confirm/.exec(el.getAttribute("action") || "");
    if (!match) return;
    var visitId = match[1];
    var data = new FormData(el);
    var user = xw.sync.user();
    form.clearMessages(el);
    setBusy(el, true);
    var itemId = "confirmation:" + visitId + ":" + user;
    var checkin = form.checkin(el);
    xw.outbox.enqueueConfirmation({
      visitId: visitId, username: user, author: user, deviceId: util.deviceId(),
      body: { checkin: checkin, note: String(data.get("note") || "") }, label: el.dataset.label || "",
    }).then(function () {
      var notice = savedNotice(el, [{ href: el.dataset.syncUrl, text: el.dataset.msgSyncPage }]);
      xw.sync.kick();
      return xw.sync.whenSettled(itemId, SETTLE_MS).then(function (result) {
        setBusy(el, false);
        if (result.outcome === "sent") {
          if (!leaving) window.location.reload();
        } else if (result.outcome === "refused") {
          notice.remove();
          var detail = result.message || {};
          if (detail.status === 422 && detail.fields) form.showErrors(el, detail.fields, detail.message);
          else form.notice(el, "notice-error", [detail.message], "alert").dataset.conflict = "";
        }
      });
    }, function (err) { storageFailed(el, err); }).catch(function (err) {
      util.report(err);
      setBusy(el, false);
    });
  }

  // ?correct=<visit id>: the refused visit kept on this phone, back in its form with the server's reasons.
  function correct(el) {
    var id = new URLSearchParams(window.location.search).get("correct");
    if (!id || !/^[0-9a-f-]{36}$/.test(id) || !outboxReady()) return;
    xw.outbox.getItem("visit:" + id).then(function (item) {
      if (!item || item.author !== xw.sync.user()) return;
      if (!el.querySelector("input[name=if_match]")) form.setVisitId(el, id);
      form.fill(el, item.json);
      el.dataset.correcting = id;
      var error = item.lastError;
      if (error && error.fields) form.showErrors(el, error.fields, error.message || el.dataset.msgErrors);
      else if (error && error.message) form.notice(el, "notice-error", [error.message], "alert");
    }).catch(util.report);
  }

  // Capture phase, before htmx sees the submit: with an outbox the form never posts itself.
  document.addEventListener("submit", function (event) {
    var el = event.target;
    if (!el || !el.matches) return;
    // A visit without a location is saved only once the person said so (checkin.js asks, once).
    if (el.matches("form[data-visit-form]") && xw.checkin && xw.checkin.mustAsk(el)) {
      event.preventDefault();
      event.stopPropagation();
      xw.checkin.ask(el);
      return;
    }
    if (!outboxReady() || el.dataset.direct === "1") return;
    if (el.matches("form[data-visit-form]")) {
      event.preventDefault();
      event.stopPropagation();
      saveVisit(el);
    } else if (el.matches("form[data-confirm-form]")) {
      event.preventDefault();
      event.stopPropagation();
      saveConfirmation(el);
    }
  }, true);

  document.querySelectorAll("form[data-visit-form]").forEach(correct);
  xw.visitSave = { correct: correct };
})();
