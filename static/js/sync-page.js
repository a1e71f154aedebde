// 小微外勤: the sync page (/sync), xw.syncPage. What waits in this phone's outbox for the logged-in user: each
// item with its state, a progress bar per photo while it is sent, and for an item the server refused or that
// keeps failing, the reason and what the person can do about it:
// - a visit refused as invalid (422): correct it in its form (the server's reasons beside the fields);
// - a visit the server already has in another version (409): open the server's version, send this one as a
//   change of it, or discard this copy (its photos go to the server's visit either way);
// - anything refused or stuck: try again, or discard it. Discarding names everything it deletes, and keeps a
//   visit's photos on the phone unless the person chooses otherwise; kept photos can be saved to the phone.
// Items lost with the phone's storage (journal.js) are said here until the person has read it.
// Texts come translated from the data-* attributes of templates/sync/index.html.
(function () {
  "use strict";
  var xw = window.xw;
  var util = xw.util;
  var el = util.el;
  var root = document.getElementById("sync-page");
  if (!root) return;
  var outbox = xw.outbox;
  var user = document.body.dataset.user || "";
  var t = root.dataset;
  var list = root.querySelector("[data-sync-items]");
  var summary = root.querySelector("[data-sync-summary]");
  var alertLine = root.querySelector("[data-sync-alert]");
  var lostBox = root.querySelector("[data-sync-lost]");
  var storageLine = root.querySelector("[data-sync-storage]");
  var lastLine = root.querySelector("[data-sync-last]");
  var othersLine = root.querySelector("[data-sync-others]");
  var sendNow = root.querySelector("[data-sync-now]");
  var rows = {};
  var sendingId = null;
  var openPanel = null;

  function cap(text) { return text.charAt(0).toUpperCase() + text.slice(1); }

  if (!window.indexedDB) {
    summary.textContent = t.msgNoStorage;
    sendNow.hidden = true;
    xw.syncPage = {};
    return;
  }

  var ADVICE_BY_STATUS = { 422: "todoInvalid", 403: "todoForbidden", 404: "todoMissing", 413: "todoFile", 415: "todoFile" };

  function todo(item) {
    if (item.state === "stuck") return t.todoStuck;
    var error = item.lastError || {};
    if (error.code === "network_refused") return t.todoNetwork;
    if (error.status === 409) return t["todoConflict" + cap(item.kind)] || t.todoConflictVisit;
    return t[ADVICE_BY_STATUS[error.status]] || t.todoOther;
  }

  // The reason in the server's words; for a proxy's page, its status and the title of the page.
  function reason(error) {
    if (!error) return "";
    var title = String(error.detail || "").replace(new RegExp("^" + error.status + "\\s*"), "");
    if (error.code === "network_refused") return util.fill(t.msgNetworkRefused, { status: error.status, title: title });
    return error.message || (error.status ? ("HTTP " + error.status + " " + title).trim() : error.code);
  }

  function stateOf(item, blocked) {
    if (item.id === sendingId) return "sending";
    if (item.raw) return "preparing";
    if (item.state === "queued" && blocked) return "blocked";
    return item.state;
  }

  function stateText(item, state) {
    if (state === "queued" && item.lastError && item.lastError.status === 401) return t.stateLogin;
    if (state === "queued" && item.lastError) return util.fill(t.stateRetrying, { reason: reason(item.lastError) });
    return t["state" + cap(state)] || state;
  }

  // What the person typed, so nothing of a refused visit is lost even before it is corrected.
  function details(item) {
    var saved = item.json || {};
    var pairs = [];
    var outcome = saved.outcome || {};
    if (outcome.next_step) pairs.push(["next_step", outcome.next_step]);
    if (outcome.follow_up_date) pairs.push(["follow_up_date", outcome.follow_up_date]);
    if (outcome.application) pairs.push(["application", (outcome.application.product || "") + " " + (outcome.application.amount || "")]);
    if (outcome.deals && outcome.deals.length) pairs.push(["deals", outcome.deals.join(", ")]);
    var notes = saved.notes || {};
    Object.keys(notes).forEach(function (role) { if (notes[role]) pairs.push(["notes." + role, notes[role]]); });
    if (saved.note) pairs.push(["note", saved.note]);
    // A lead, a peer record or survey answers: every field the person typed, as they typed it.
    if (["lead", "peer", "survey"].indexOf(item.kind) >= 0) {
      Object.keys(saved).forEach(function (name) {
        var value = saved[name];
        if (name === "answers" && value && typeof value === "object") {
          Object.keys(value).forEach(function (q) { pairs.push(["answers." + q, [].concat(value[q]).join(", ")]); });
        } else if (value !== null && value !== "" && typeof value !== "object") {
          pairs.push([name, String(value)]);
        }
      });
    }
    if (item.lastError && item.lastError.fields) {
      Object.keys(item.lastError.fields).forEach(function (name) { pairs.push([name, item.lastError.fields[name]]); });
    }
    if (!pairs.length) return null;
    var box = el("details");
    box.appendChild(el("summary", "", t.labelDetails));
    var dl = el("dl");
    pairs.forEach(function (pair) {
      dl.appendChild(el("dt", "", pair[0]));
      dl.appendChild(el("dd", "", pair[1]));
    });
    box.appendChild(dl);
    return box;
  }

  function button(text, name, value) {
    var b = el("button", "link", text);
    b.type = "button";
    b.dataset[name] = value;
    return b;
  }

  function anchor(text, href, name) {
    var a = el("a", "", text);
    a.href = href;
    a.dataset[name] = "";
    return a;
  }

  // Where a refused visit is corrected: its own form, filled from the phone, with the server's reasons.
  function correctUrl(item) {
    if (item.ifMatch) return "/visits/" + item.visitId + "/edit?correct=" + item.visitId;
    return "/merchants/" + encodeURIComponent(item.merchantId || (item.json || {}).merchant_id) + "/visits/new?correct=" + item.visitId;
  }

  function actions(item) {
    var box = el("div", "sync-actions");
    var error = item.lastError || {};
    if (item.kind === "visit" && item.state === "refused" && error.status === 422) {
      box.appendChild(anchor(t.actionCorrect, correctUrl(item), "correct"));
    }
    if (item.kind === "visit" && item.serverHas) {
      box.appendChild(anchor(t.actionOpenSaved, "/visits/" + item.visitId, "openSaved"));
      if (error.etag) box.appendChild(button(t.actionOverwrite, "overwrite", item.id));
    } else if (item.state === "refused" || item.state === "stuck") {
      box.appendChild(button(t.actionRetry, "retry", item.id));
    }
    if (item.state === "kept") {
      var save = anchor(t.actionSavePhoto, "#", "savePhoto");
      save.download = "photo-" + item.recordId.slice(0, 8) + ".jpg";
      outbox.getBlob(item.id).then(function (blob) { if (blob) save.href = URL.createObjectURL(blob); }, util.report);
      box.appendChild(save);
    }
    if (["refused", "stuck", "draft", "kept"].indexOf(item.state) >= 0) box.appendChild(button(t.actionDiscard, "discard", item.id));
    return box.childNodes.length ? box : null;
  }

  function row(item, blocked) {
    var state = stateOf(item, blocked);
    var li = el("li", "sync-item");
    li.dataset.itemId = item.id;
    li.dataset.itemKind = item.kind;
    li.dataset.itemState = state;
    var kind = t["kind" + cap(item.kind)] || item.kind;
    li.appendChild(el("strong", "", kind + (item.label ? " · " + item.label : "")));
    li.appendChild(el("span", "muted small", util.fill(t.labelCaptured, { time: util.when(item.createdAt) }) +
      (item.attempts ? " · " + util.fill(t.labelAttempts, { n: item.attempts }) : "")));
    li.appendChild(el("span", "sync-state small", stateText(item, state)));
    if (item.kind === "photo") {
      var bar = el("progress");
      bar.max = item.size || 1;
      bar.value = 0;
      bar.dataset.progressFor = item.id;
      li.appendChild(bar);
    }
    if (item.state === "refused" || item.state === "stuck") {
      li.appendChild(el("p", "error", reason(item.lastError)));
      li.appendChild(el("p", "small", todo(item)));
      var more = details(item);
      if (more) li.appendChild(more);
    }
    var box = actions(item);
    if (box) li.appendChild(box);
    return li;
  }

  // --- discarding: everything it deletes is named first -------------------------------------------------------

  function discardPanel(li, item, dependents) {
    if (openPanel) openPanel.remove();
    var photos = dependents.filter(function (d) { return d.kind === "photo"; });
    var panel = el("div", "notice notice-error sync-discard");
    panel.dataset.discardPanel = item.id;
    panel.appendChild(el("p", "", t.discardIntro));
    var names = el("ul");
    names.appendChild(el("li", "", (t["kind" + cap(item.kind)] || item.kind) + (item.label ? " · " + item.label : "")));
    dependents.forEach(function (d) {
      var goes = d.kind !== "photo" && !item.serverHas;
      names.appendChild(el("li", "", (t["kind" + cap(d.kind)] || d.kind) + (d.label ? " · " + d.label : "") +
        (goes ? "" : " " + (item.serverHas ? t.discardGoesOn : t.discardKeptUnless))));
    });
    panel.appendChild(names);
    var choices = el("div", "sync-actions");
    if (photos.length && !item.serverHas) {
      choices.appendChild(button(util.fill(t.discardKeepPhotos, { n: photos.length }), "discardConfirm", "keep"));
      choices.appendChild(button(util.fill(t.discardWithPhotos, { n: photos.length }), "discardConfirm", "all"));
    } else {
      choices.appendChild(button(t.actionDiscard, "discardConfirm", "keep"));
    }
    choices.appendChild(button(t.actionCancel, "discardConfirm", "cancel"));
    panel.appendChild(choices);
    li.appendChild(panel);
    openPanel = panel;
  }

  list.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) return;
    var data = target.dataset;
    if (data.retry) {
      outbox.retry(data.retry).then(function () { return xw.sync.kick(); }).catch(util.report);
    } else if (data.overwrite) {
      outbox.getItem(data.overwrite).then(function (item) {
        return item && outbox.overwrite(item.id, item.lastError.etag);
      }).then(function () { return xw.sync.kick(); }).catch(util.report);
    } else if (data.discard) {
      var li = rows[data.discard];
      Promise.all([outbox.getItem(data.discard), outbox.dependentsOf(data.discard)]).then(function (found) {
        if (found[0] && li) discardPanel(li, found[0], found[1]);
      }).catch(util.report);
    } else if (data.discardConfirm) {
      var id = target.closest("[data-discard-panel]").dataset.discardPanel;
      openPanel.remove();
      openPanel = null;
      if (data.discardConfirm !== "cancel") outbox.discard(id, data.discardConfirm === "all").catch(util.report);
    }
  });
  sendNow.addEventListener("click", function () { xw.sync.sendNow().catch(util.report); });

  // --- drawing -------------------------------------------------------------------------------------------------

  function showLost(lost) {
    lostBox.hidden = !lost;
    lostBox.textContent = "";
    if (!lost) return;
    lostBox.appendChild(el("p", "", util.fill(t.msgLost, { n: lost.total, visits: lost.visits, photos: lost.photos })));
    lostBox.appendChild(el("p", "small", lost.checked ? t.msgLostChecked : t.msgLostChecking));
    lostBox.appendChild(button(t.actionLostRead, "lostRead", "1"));
    lostBox.dataset.lost = String(lost.total);
  }

  lostBox.addEventListener("click", function (event) {
    if (event.target.closest("[data-lost-read]")) xw.journal.dismiss(user).catch(util.report);
  });

  function render() {
    return Promise.all([outbox.list(), outbox.stats(user), xw.journal.lostOf(user)]).then(function (results) {
      var items = results[0];
      var stats = results[1];
      var byId = outbox.byIdOf(items);
      var mine = items.filter(function (i) { return i.author === user; });
      summary.textContent = stats.waiting ? util.fill(t.msgCount, { n: stats.waiting }) : (results[2] || stats.kept || stats.drafts ? t.msgNothingWaits : t.msgEmpty);
      summary.dataset.waiting = String(stats.waiting);
      var alerts = [];
      if (stats.loginNeeded && stats.waiting) alerts.push(stats.loginNeeded.passwordChange ? t.msgPassword : t.msgLogin);
      if (stats.stale) alerts.push(t.msgStale);
      if (navigator.onLine === false && stats.waiting) alerts.push(t.msgOffline);
      alertLine.textContent = alerts.join(" ");
      alertLine.hidden = alerts.length === 0;
      showLost(results[2]);
      lastLine.textContent = stats.lastSuccessAt ? util.fill(t.msgLastSuccess, { time: util.when(stats.lastSuccessAt) }) : "";
      othersLine.hidden = stats.others === 0;
      othersLine.textContent = util.fill(t.msgOthers, { n: stats.others });
      if (openPanel) return; // the person is choosing what to discard: the list stays as it is meanwhile
      list.textContent = "";
      rows = {};
      // A visit, then what belongs to it (photos taken on the form are older than their visit).
      function groupSeq(item) {
        var parent = item.dependsOn ? byId[item.dependsOn] : null;
        return parent ? parent.seq : item.seq;
      }
      mine.sort(function (a, b) {
        return (groupSeq(a) - groupSeq(b)) || ((a.dependsOn ? 1 : 0) - (b.dependsOn ? 1 : 0)) || (a.seq - b.seq);
      });
      mine.forEach(function (item) {
        var li = row(item, Boolean(outbox.blockedBy(item, byId)));
        rows[item.id] = li;
        list.appendChild(li);
      });
    });
  }

  function showStorage() {
    if (!navigator.storage || !navigator.storage.persisted) return Promise.resolve(null);
    return navigator.storage.persisted().then(function (persisted) {
      storageLine.textContent = persisted ? t.msgPersisted : t.msgNotPersisted;
      storageLine.dataset.persisted = persisted ? "yes" : "no";
    });
  }

  var pendingRender = null;
  function rerender() {
    if (pendingRender) return;
    pendingRender = window.setTimeout(function () {
      pendingRender = null;
      render().catch(util.report);
    }, 50);
  }

  outbox.on(function (message) {
    if (message.type === "progress") {
      var bar = list.querySelector('progress[data-progress-for="' + CSS.escape(message.id) + '"]');
      if (bar) {
        bar.max = message.total;
        bar.value = message.loaded;
      }
      return;
    }
    if (message.type === "sending") {
      sendingId = message.id;
      var li = rows[message.id];
      if (li) {
        li.dataset.itemState = "sending";
        li.querySelector(".sync-state").textContent = t.stateSending;
        var progress = li.querySelector("progress");
        if (progress) progress.removeAttribute("value"); // indeterminate until the first progress event
      }
      return;
    }
    if (["sent", "refused", "drain-end", "retrying", "stuck"].indexOf(message.type) >= 0) sendingId = null;
    rerender();
  });
  window.addEventListener("online", rerender);
  window.addEventListener("offline", rerender);
  xw.syncPage = { render: render };
  render().then(showStorage).catch(util.report);
})();
