// 小微外勤: the photo lists of the visit pages, xw.photos. One camera button per category; each photo picked
// is kept in the outbox at once (photo-prep.js keep), shrunk there (resume), and sent after its visit with a
// progress bar, now or when the network is back. The same id is kept on every retry, so a photo is never
// stored twice.
// - [data-photo-uploader] on the visit page: the visit is saved; photos go at once.
// - [data-form-photos] on the new-visit form: photos wait on the phone as drafts and go right after the
//   visit once it is saved. Saving waits until every photo picked is kept on the phone (whenKept), and
//   leaving the page before that asks first: a photo exists in storage, or the person was told.
// A photo the phone cannot keep (a full phone) is said at once with the space needed, and can be tried again
// or removed; the next photo is kept as usual. A browser that cannot keep anything (no IndexedDB) says so.
(function () {
  "use strict";
  var xw = window.xw;
  var util = xw.util;
  var lists = new WeakMap();
  var unkept = 0;

  function outboxReady() {
    return Boolean(window.indexedDB && xw.sync.user());
  }

  // Leaving while a photo is not kept yet would lose it: the browser asks first.
  window.addEventListener("beforeunload", function (event) {
    if (unkept > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  function makeRow(list, id, title) {
    var row = util.el("li", "upload");
    row.dataset.upload = id;
    var progress = util.el("progress");
    progress.max = 1;
    progress.value = 0;
    var status = util.el("span", "upload-status small");
    row.appendChild(util.el("span", "upload-name", title));
    row.appendChild(progress);
    row.appendChild(status);
    list.appendChild(row);
    return { row: row, progress: progress, status: status };
  }

  function setRow(view, state, text) {
    view.row.dataset.uploadState = state;
    view.status.textContent = text;
    view.status.classList.toggle("error", state === "failed" || state === "refused");
  }

  function rowButton(view, text, name, onClick) {
    var button = util.el("button", "link", text);
    button.type = "button";
    button.dataset[name] = "";
    button.addEventListener("click", onClick);
    view.row.appendChild(button);
    return button;
  }

  function clearButtons(view) {
    view.row.querySelectorAll("button").forEach(function (b) { b.remove(); });
  }

  function PhotoList(root, afterVisit) {
    var self = this;
    this.root = root;
    this.form = root.closest("form");
    this.afterVisit = afterVisit;
    this.list = root.querySelector("[data-upload-list]");
    this.queue = Promise.resolve();
    this.views = {};
    this.pending = 0;
    this.failed = 0;
    this.waiters = [];
    lists.set(root, this);
    if (this.form) lists.set(this.form, this);
    if (!outboxReady()) {
      root.querySelectorAll("input[type=file]").forEach(function (input) { input.disabled = true; });
      var note = util.el("p", "notice notice-error", this.message("noStorage"));
      note.dataset.noStorage = "";
      root.insertBefore(note, this.list);
      return;
    }
    root.querySelectorAll("input[type=file][data-photo-category]").forEach(function (input) {
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        var label = input.closest("label") ? input.closest("label").textContent.trim() : input.dataset.photoCategory;
        files.forEach(function (file) { self.add(file, input.dataset.photoCategory, label); });
        input.value = "";
      });
    });
    if (this.form) {
      this.form.addEventListener("xw:visit-saved", function () {
        self.afterVisit = true;
        self.refreshRows();
      });
      this.form.addEventListener("xw:visit-id", function () { self.showKept(); });
    }
    xw.outbox.on(function (message) { self.onMessage(message); });
    this.showKept();
  }

  PhotoList.prototype.message = function (name) {
    return this.root.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
  };

  PhotoList.prototype.visitId = function () {
    var input = this.form ? this.form.querySelector("input[name=visit_id]") : null;
    if (input) return input.value;
    var match = /\/visits\/([0-9a-f-]{36})\//.exec(this.root.dataset.uploadUrl || "");
    return match ? match[1] : "";
  };

  PhotoList.prototype.label = function (category) {
    var merchant = this.root.dataset.merchantName;
    return (merchant ? merchant + " · " : "") + category;
  };

  // The state an outbox item shows in its row.
  PhotoList.prototype.showItem = function (view, item) {
    if (item.state === "refused") {
      setRow(view, "refused", (item.lastError && item.lastError.message) || this.message("failed"));
    } else if (item.raw) {
      setRow(view, "preparing", this.message("preparing"));
    } else if (item.state === "draft") {
      setRow(view, "kept", this.message("kept"));
    } else {
      setRow(view, "queued", this.message("queued"));
    }
  };

  PhotoList.prototype.track = function (view, item, preview) {
    view.row.dataset.outboxItem = item.id;
    this.views[item.id] = view;
    if (preview && !view.row.querySelector("img")) {
      var img = util.el("img", "upload-preview");
      img.alt = "";
      img.src = URL.createObjectURL(preview);
      view.row.insertBefore(img, view.row.firstChild);
    }
    this.showItem(view, item);
  };

  PhotoList.prototype.onMessage = function (message) {
    var view = this.views[message.id];
    if (!view) return;
    var self = this;
    if (message.type === "prepared") {
      xw.outbox.getItem(message.id).then(function (item) { if (item) self.showItem(view, item); }, util.report);
    } else if (message.type === "sending") {
      view.progress.removeAttribute("value");
      setRow(view, "uploading", this.message("uploading"));
    } else if (message.type === "progress") {
      view.progress.max = message.total;
      view.progress.value = message.loaded;
    } else if (message.type === "retrying" || message.type === "stuck") {
      view.progress.value = 0;
      setRow(view, "queued", this.message("queued"));
    } else if (message.type === "sent") {
      delete this.views[message.id];
      view.progress.max = 1;
      view.progress.value = 1;
      setRow(view, "done", this.message("done"));
      this.refreshList();
    } else if (message.type === "refused") {
      setRow(view, "refused", message.message || this.message("failed"));
    }
  };

  // The rows again from what the outbox holds now (the visit was saved: its drafts now wait to be sent).
  PhotoList.prototype.refreshRows = function () {
    var self = this;
    Object.keys(this.views).forEach(function (id) {
      xw.outbox.getItem(id).then(function (item) {
        if (item && self.views[id]) self.showItem(self.views[id], item);
      }, util.report);
    });
  };

  // Photos of this visit already on the phone (a reload, a correction, the visit page after saving).
  PhotoList.prototype.showKept = function () {
    var self = this;
    var visitId = this.visitId();
    var user = xw.sync.user();
    xw.outbox.list().then(function (items) {
      items.forEach(function (item) {
        if (item.kind !== "photo" || item.visitId !== visitId || item.author !== user || self.views[item.id]) return;
        var view = makeRow(self.list, item.recordId, item.label || "");
        self.track(view, item, null);
        xw.outbox.getBlob(item.id).then(function (blob) { if (blob) self.track(view, item, blob); }, util.report);
      });
    }, util.report);
  };

  PhotoList.prototype.add = function (file, category, label) {
    var self = this;
    var photoId = util.randomId();
    var view = makeRow(this.list, photoId, label + " · " + (file.name || ""));
    var attempt = function () {
      return xw.photoPrep.keep({
        file: file, visitId: self.visitId(), photoId: photoId, category: category, label: self.label(label),
        afterVisit: self.afterVisit,
      }).then(function (item) {
        self.track(view, item, file);
        xw.photoPrep.resume(xw.sync.user());
      }, function (err) {
        self.failed += 1;
        self.refuse(view, err, start);
      }).catch(util.report).then(function () {
        self.pending -= 1;
        unkept -= 1;
        self.settle();
      });
    };
    // Counted at once (a save tapped a moment later waits for it); kept one at a time, each attempt ending
    // resolved, so one failure never stops the photos after it.
    var start = function () {
      clearButtons(view);
      setRow(view, "storing", self.message("storing"));
      self.pending += 1;
      unkept += 1;
      self.queue = self.queue.then(attempt);
    };
    start();
  };

  // The phone could not keep this photo: why, how much space it needs, and what the person can do.
  PhotoList.prototype.refuse = function (view, err, start) {
    var self = this;
    var text = err && err.name === "StorageFull"
      ? util.fill(this.message("noSpace"), { mb: util.megabytes(err.needed) })
      : this.message("unkept");
    util.report(err);
    setRow(view, "failed", text);
    rowButton(view, this.message("retry"), "retryPhoto", function () {
      self.failed -= 1;
      start();
    });
    rowButton(view, this.message("remove"), "removePhoto", function () {
      self.failed -= 1;
      view.row.remove();
      self.settle();
    });
  };

  PhotoList.prototype.settle = function () {
    if (this.pending > 0) return;
    var waiters = this.waiters;
    this.waiters = [];
    var failed = this.failed;
    waiters.forEach(function (resolve) { resolve({ failed: failed }); });
  };

  // Resolves once every photo picked is kept on the phone or refused: { failed: how many the phone refused }.
  PhotoList.prototype.whenKept = function () {
    var self = this;
    if (this.pending === 0) return Promise.resolve({ failed: this.failed });
    return new Promise(function (resolve) { self.waiters.push(resolve); });
  };

  PhotoList.prototype.refreshList = function () {
    var target = this.root.dataset.listTarget;
    if (window.htmx && target && document.querySelector(target)) {
      window.htmx.ajax("GET", this.root.dataset.listUrl, { target: target, swap: "outerHTML" }).catch(util.report);
    }
  };

  function init(root) {
    if (!root || !root.querySelectorAll) return;
    [["[data-photo-uploader]", true], ["[data-form-photos]", false]].forEach(function (kind) {
      var found = root.matches && root.matches(kind[0]) ? [root] : root.querySelectorAll(kind[0]);
      Array.prototype.forEach.call(found, function (el) {
        if (lists.has(el)) return;
        new PhotoList(el, kind[1]);
      });
    });
  }

  xw.photos = {
    // The photo list of a visit form (or its root), for saving: visit-form.js waits on whenKept().
    of: function (el) { return lists.get(el) || null; },
  };

  document.addEventListener("htmx:load", function (event) { init(event.target); });
  init(document);
})();
