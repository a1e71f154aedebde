// 小微外勤: the sync page (/sync). Lists what waits in this phone's outbox for the logged-in user: each item
// with its state, a progress bar per photo while it is sent, and for an item the server refused, the
// server's reason and what to do (try again, or discard it after noting what it said). Texts come translated
// from the data-* attributes of templates/sync/index.html.
(function () {
  "use strict";
  var root = document.getElementById("sync-page");
  var outbox = window.xwOutbox;
  if (!root) return;
  var user = document.body.dataset.user || "";
  var t = root.dataset;
  var list = root.querySelector("[data-sync-items]");
  var summary = root.querySelector("[data-sync-summary]");
  var alertLine = root.querySelector("[data-sync-alert]");
  var storageLine = root.querySelector("[data-sync-storage]");
  var lastLine = root.querySelector("[data-sync-last]");
  var othersLine = root.querySelector("[data-sync-others]");
  var sendNow = root.querySelector("[data-sync-now]");
  var rows = {};
  var sendingId = null;

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (all, name) {
      return values[name] !== undefined ? String(values[name]) : all;
    });
  }

  function when(ms) {
    return new Date(ms).toLocaleString(document.documentElement.lang || undefined,
      { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  if (!outbox || !window.indexedDB) {
    summary.textContent = t.msgNoStorage;
    if (sendNow) sendNow.hidden = true;
    return;
  }

  var ADVICE_BY_STATUS = { 422: "todoInvalid", 403: "todoForbidden", 404: "todoMissing", 413: "todoFile", 415: "todoFile" };

  function todo(item) {
    var status = item.lastError ? item.lastError.status : 0;
    if (status === 409) {
      return t["todoConflict" + item.kind.charAt(0).toUpperCase() + item.kind.slice(1)] || t.todoConflictVisit;
    }
    return t[ADVICE_BY_STATUS[status]] || t.todoOther;
  }

  function stateText(item, blocked) {
    if (item.id === sendingId) return t.stateSending;
    if (item.state === "refused") return t.stateRefused;
    if (item.state === "draft") return t.stateDraft;
    if (blocked) return t.stateBlocked;
    if (item.lastError && item.lastError.status === 401) return t.stateLogin;
    if (item.lastError) {
      var reason = item.lastError.message || (item.lastError.status ? "HTTP " + item.lastError.status : item.lastError.code);
      return fill(t.stateRetrying, { reason: reason });
    }
    return t.stateQueued;
  }

  // What the person typed, so a refused visit can be recorded again without losing a word.
  function details(item) {
    var body = item.json || {};
    var pairs = [];
    var outcome = body.outcome || {};
    if (outcome.next_step) pairs.push(["next_step", outcome.next_step]);
    if (outcome.follow_up_date) pairs.push(["follow_up_date", outcome.follow_up_date]);
    if (outcome.application) pairs.push(["application", (outcome.application.product || "") + " " + (outcome.application.amount || "")]);
    if (outcome.deals && outcome.deals.length) pairs.push(["deals", outcome.deals.join(", ")]);
    var notes = body.notes || {};
    Object.keys(notes).forEach(function (role) { if (notes[role]) pairs.push(["notes." + role, notes[role]]); });
    if (body.note) pairs.push(["note", body.note]);
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

  function row(item, blocked) {
    var li = el("li", "sync-item");
    li.dataset.itemId = item.id;
    li.dataset.itemKind = item.kind;
    li.dataset.itemState = item.id === sendingId ? "sending" : (blocked && item.state === "queued" ? "blocked" : item.state);
    var kind = t["kind" + item.kind.charAt(0).toUpperCase() + item.kind.slice(1)] || item.kind;
    li.appendChild(el("strong", "", kind + (item.label ? " · " + item.label : "")));
    li.appendChild(el("span", "muted small", fill(t.labelCaptured, { time: when(item.createdAt) }) +
      (item.attempts ? " · " + fill(t.labelAttempts, { n: item.attempts }) : "")));
    li.appendChild(el("span", "sync-state small", stateText(item, blocked)));
    if (item.kind === "photo") {
      var bar = el("progress");
      bar.max = item.size || 1;
      bar.value = 0;
      bar.dataset.progressFor = item.id;
      li.appendChild(bar);
    }
    if (item.state === "draft") {
      // A photo taken on a form that was never saved: the person decides whether it stays.
      var drop = el("button", "link", t.actionDiscard);
      drop.type = "button";
      drop.dataset.discard = item.id;
      var box = el("div", "sync-actions");
      box.appendChild(drop);
      li.appendChild(box);
    }
    if (item.state === "refused") {
      if (item.lastError && item.lastError.message) li.appendChild(el("p", "error", item.lastError.message));
      li.appendChild(el("p", "small", todo(item)));
      var more = details(item);
      if (more) li.appendChild(more);
      var actions = el("div", "sync-actions");
      var retry = el("button", "link", t.actionRetry);
      retry.type = "button";
      retry.dataset.retry = item.id;
      var discard = el("button", "link", t.actionDiscard);
      discard.type = "button";
      discard.dataset.discard = item.id;
      actions.appendChild(retry);
      actions.appendChild(discard);
      li.appendChild(actions);
    }
    return li;
  }

  function render() {
    return Promise.all([outbox.list(), outbox.stats(user)]).then(function (results) {
      var items = results[0];
      var stats = results[1];
      var byId = {};
      items.forEach(function (i) { byId[i.id] = i; });
      var mine = items.filter(function (i) { return i.author === user; });
      var waiting = mine.filter(function (i) { return i.state !== "draft"; }).length;
      summary.textContent = waiting ? fill(t.msgCount, { n: waiting }) : t.msgEmpty;
      summary.dataset.waiting = String(waiting);
      var alerts = [];
      if (stats.loginNeeded && waiting) alerts.push(t.msgLogin);
      if (stats.stale) alerts.push(t.msgStale);
      if (navigator.onLine === false && waiting) alerts.push(t.msgOffline);
      alertLine.textContent = alerts.join(" ");
      alertLine.hidden = alerts.length === 0;
      lastLine.textContent = stats.lastSuccessAt ? fill(t.msgLastSuccess, { time: when(stats.lastSuccessAt) }) : "";
      othersLine.hidden = stats.others === 0;
      othersLine.textContent = fill(t.msgOthers, { n: stats.others });
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
    if (!navigator.storage || !navigator.storage.persisted) return;
    navigator.storage.persisted().then(function (persisted) {
      storageLine.textContent = persisted ? t.msgPersisted : t.msgNotPersisted;
      storageLine.dataset.persisted = persisted ? "yes" : "no";
    });
  }

  list.addEventListener("click", function (event) {
    var target = event.target;
    if (target.dataset.retry) {
      outbox.retry(target.dataset.retry).then(function () { return window.xwSync && window.xwSync.kick(); });
    } else if (target.dataset.discard) {
      if (window.confirm(t.confirmDiscard)) outbox.removeWithDependents(target.dataset.discard);
    }
  });
  if (sendNow) {
    sendNow.addEventListener("click", function () { if (window.xwSync) window.xwSync.kick(); });
  }

  var pendingRender = null;
  function rerender() {
    if (pendingRender) return;
    pendingRender = window.setTimeout(function () { pendingRender = null; render(); }, 50);
  }

  outbox.on(function (message) {
    if (message.type === "progress") {
      var bar = list.querySelector('progress[data-progress-for="' + message.id + '"]');
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
    if (message.type === "sent" || message.type === "refused" || message.type === "drain-end" || message.type === "retrying") {
      sendingId = null;
    }
    rerender();
  });
  window.addEventListener("online", rerender);
  window.addEventListener("offline", rerender);
  render();
  showStorage();
})();
