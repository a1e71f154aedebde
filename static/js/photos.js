// 小微外勤: photos. For each photo: read its EXIF (exif.js) while the original is still whole, shrink it on
// the phone (at most 2048 px on the long side, JPEG quality 0.8), then hand it to the outbox
// (static/js/outbox.js) under a new id: it is kept on the phone and sent to the JSON API with a progress
// bar, now or when the network is back. The same id is kept on every retry, so a photo is never stored twice.
// - [data-photo-uploader] on the visit page: the visit is on the server; photos go at once.
// - [data-form-photos] on the new-visit form: the visit is not saved yet; photos wait on the phone as drafts
//   and go right after the visit when it is saved.
// Without an outbox (no IndexedDB) the visit page sends directly with XMLHttpRequest, as before.
(function () {
  "use strict";
  var MAX_SIDE = 2048;
  var QUALITY = 0.8;
  var EXIF_BYTES = 256 * 1024;
  var PLACEHOLDER = "00000000-0000-4000-8000-000000000000";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function newId() {
    return window.xw && window.xw.randomId ? window.xw.randomId() : window.crypto.randomUUID();
  }

  function clientHeaders() {
    return window.xw && window.xw.clientHeaders ? window.xw.clientHeaders() : { "X-Client-Time": new Date().toISOString() };
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

  function readHead(file) {
    var head = file.slice(0, EXIF_BYTES);
    if (typeof head.arrayBuffer === "function") return head.arrayBuffer();
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsArrayBuffer(head);
    });
  }

  function readExif(file) {
    if (!window.xwExif) return Promise.resolve(null);
    return readHead(file).then(function (buffer) { return window.xwExif.read(buffer); }, function () { return null; });
  }

  function decodeWithImg(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { resolve({ source: img, width: img.naturalWidth, height: img.naturalHeight, done: function () { URL.revokeObjectURL(url); } }); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("undecodable")); };
      img.src = url;
    });
  }

  function decode(file) {
    if (typeof window.createImageBitmap !== "function") return decodeWithImg(file);
    return window.createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      return { source: bitmap, width: bitmap.width, height: bitmap.height, done: function () { bitmap.close(); } };
    }, function () { return decodeWithImg(file); });
  }

  // The shrunk JPEG; when the phone cannot decode the file (some HEIC), the original goes as it is and
  // the server (which reads HEIC) decides.
  function shrink(file) {
    return decode(file).then(function (image) {
      var scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(image.width * scale));
      canvas.height = Math.max(1, Math.round(image.height * scale));
      canvas.getContext("2d").drawImage(image.source, 0, 0, canvas.width, canvas.height);
      image.done();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", QUALITY);
      });
    }, function () { return file; });
  }

  function outboxReady() {
    return Boolean(window.xwSync && window.xwSync.supported && window.xwSync.user() && window.xwOutbox);
  }

  // EXIF first (the shrunk copy carries none), then the shrunk JPEG.
  function prepare(file) {
    return readExif(file).then(function (exif) {
      return shrink(file).then(function (blob) {
        return { blob: blob, exif: exif, capturedAt: isoWithOffset(new Date(file.lastModified || Date.now())) };
      });
    });
  }

  function fieldsOf(category, prepared) {
    var fields = { category: category, captured_at: prepared.capturedAt };
    var exif = prepared.exif;
    if (exif && exif.takenAt) fields.exif_taken_at = exif.takenAt;
    if (exif && exif.lat !== null && exif.lon !== null) {
      fields.exif_lat = String(exif.lat);
      fields.exif_lon = String(exif.lon);
    }
    if (exif && exif.device) fields.exif_device = exif.device;
    return fields;
  }

  function fileName(blob, file) {
    return blob.type === "image/jpeg" ? "photo.jpg" : ((file && file.name) || "photo");
  }

  // One row of the list: a name, a progress bar, a status line.
  function makeRow(list, id, title) {
    var row = document.createElement("li");
    row.className = "upload";
    row.dataset.upload = id;
    var name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = title;
    var progress = document.createElement("progress");
    progress.max = 1;
    progress.value = 0;
    var status = document.createElement("span");
    status.className = "upload-status small";
    row.appendChild(name);
    row.appendChild(progress);
    row.appendChild(status);
    list.appendChild(row);
    return { row: row, progress: progress, status: status };
  }

  function setRow(view, state, text) {
    view.row.dataset.uploadState = state;
    view.status.textContent = text;
    view.status.classList.toggle("error", state === "failed");
  }

  // Follows an outbox item: its bar while it is sent, and what became of it.
  function follow(view, itemId, messages, onSent) {
    var outbox = window.xwOutbox;
    var stop = outbox.on(function (message) {
      if (message.id !== itemId) return;
      if (message.type === "sending") {
        view.progress.removeAttribute("value");
        setRow(view, "uploading", messages("uploading"));
      } else if (message.type === "progress") {
        view.progress.max = message.total;
        view.progress.value = message.loaded;
      } else if (message.type === "retrying") {
        view.progress.value = 0;
        setRow(view, "queued", messages("queued"));
      } else if (message.type === "sent") {
        stop();
        view.progress.max = 1;
        view.progress.value = 1;
        setRow(view, "done", messages("done"));
        if (onSent) onSent();
      } else if (message.type === "refused") {
        setRow(view, "failed", message.message || messages("failed"));
      }
    });
    return stop;
  }

  function Uploader(root) {
    this.root = root;
    this.list = root.querySelector("[data-upload-list]");
    this.queue = Promise.resolve();
    var self = this;
    root.querySelectorAll("input[type=file][data-photo-category]").forEach(function (input) {
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        var label = input.closest("label") ? input.closest("label").textContent.trim() : input.dataset.photoCategory;
        files.forEach(function (file) { self.add(file, input.dataset.photoCategory, label); });
        input.value = "";
      });
    });
  }

  Uploader.prototype.message = function (name) {
    return this.root.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
  };

  // Photos of this visit still on the phone (taken on the form, or before a network loss) are shown here with
  // their bars, and sent from this page.
  Uploader.prototype.showQueued = function () {
    var self = this;
    var visitId = this.visitId();
    window.xwOutbox.list().then(function (items) {
      items.forEach(function (item) {
        if (item.kind !== "photo" || item.visitId !== visitId || item.author !== window.xwSync.user()) return;
        if (self.list.querySelector('[data-upload="' + item.recordId + '"]')) return;
        var view = makeRow(self.list, item.recordId, item.label || "");
        var refused = item.state === "refused";
        setRow(view, refused ? "failed" : "queued",
               refused ? (item.lastError && item.lastError.message) || self.message("failed") : self.message("queued"));
        follow(view, item.id, self.message.bind(self), function () { self.refreshList(); });
      });
    });
  };

  Uploader.prototype.visitId = function () {
    var match = /\/visits\/([0-9a-f-]{36})\//.exec(this.root.dataset.uploadUrl || "");
    return match ? match[1] : "";
  };

  // Through the outbox: kept on the phone first, then sent (now, or when the network is back).
  Uploader.prototype.addToOutbox = function (file, category, label) {
    var self = this;
    var photoId = newId();
    var view = makeRow(this.list, photoId, label + " · " + (file.name || ""));
    setRow(view, "preparing", this.message("preparing"));
    this.queue = this.queue.then(function () {
      return prepare(file).then(function (prepared) {
        return window.xwOutbox.enqueuePhoto({
          visitId: self.visitId(), photoId: photoId, blob: prepared.blob, fields: fieldsOf(category, prepared),
          filename: fileName(prepared.blob, file), author: window.xwSync.user(), deviceId: window.xwSync.deviceId(),
          label: (self.root.dataset.merchantName ? self.root.dataset.merchantName + " · " : "") + label,
        });
      }).then(function (item) {
        setRow(view, "queued", self.message("queued"));
        follow(view, item.id, self.message.bind(self), function () { self.refreshList(); });
        window.xwSync.kick();
      }, function () {
        setRow(view, "failed", self.message("failed"));
      });
    });
  };

  Uploader.prototype.add = function (file, category, label) {
    if (outboxReady()) {
      this.addToOutbox(file, category, label);
      return;
    }
    var item = {
      id: newId(),
      file: file,
      category: category,
      capturedAt: isoWithOffset(new Date(file.lastModified || Date.now())),
      blob: null,
      exif: null,
      row: document.createElement("li"),
    };
    item.row.className = "upload";
    item.row.dataset.upload = item.id;
    var title = document.createElement("span");
    title.className = "upload-name";
    title.textContent = label + " · " + (file.name || "");
    item.progress = document.createElement("progress");
    item.progress.max = 1;
    item.progress.value = 0;
    item.status = document.createElement("span");
    item.status.className = "upload-status small";
    item.row.appendChild(title);
    item.row.appendChild(item.progress);
    item.row.appendChild(item.status);
    this.list.appendChild(item.row);
    this.setState(item, "preparing", this.message("preparing"));
    var self = this;
    // One photo at a time: a phone on a weak network does better with one upload than with five.
    this.queue = this.queue
      .then(function () { return self.prepare(item); })
      .then(function () { return self.send(item); })
      .catch(function () { self.failed(item, self.message("failed"), false); });
  };

  Uploader.prototype.setState = function (item, state, text) {
    item.row.dataset.uploadState = state;
    item.status.textContent = text;
  };

  Uploader.prototype.prepare = function (item) {
    return readExif(item.file).then(function (exif) {
      item.exif = exif;
      return shrink(item.file);
    }).then(function (blob) { item.blob = blob; });
  };

  Uploader.prototype.send = function (item) {
    var self = this;
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", self.root.dataset.uploadUrl.replace(PLACEHOLDER, item.id));
      var headers = clientHeaders();
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) return;
        item.progress.max = event.total;
        item.progress.value = event.loaded;
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 200 || xhr.status === 201) {
          item.progress.max = 1;
          item.progress.value = 1;
          self.setState(item, "done", self.message("done"));
          self.refreshList();
        } else {
          // A lost session, a busy server or a proxy error may pass; a rejected photo will not.
          var retryable = xhr.status >= 500 || xhr.status === 401 || xhr.status === 408 || xhr.status === 429;
          self.failed(item, self.serverMessage(xhr), retryable);
        }
        resolve();
      });
      xhr.addEventListener("error", function () { self.failed(item, self.message("network"), true); resolve(); });
      xhr.addEventListener("abort", function () { self.failed(item, self.message("network"), true); resolve(); });
      var data = new FormData();
      var isJpeg = item.blob.type === "image/jpeg";
      data.append("file", item.blob, isJpeg ? "photo.jpg" : (item.file.name || "photo"));
      data.append("category", item.category);
      data.append("captured_at", item.capturedAt);
      if (item.exif && item.exif.takenAt) data.append("exif_taken_at", item.exif.takenAt);
      if (item.exif && item.exif.lat !== null && item.exif.lon !== null) {
        data.append("exif_lat", String(item.exif.lat));
        data.append("exif_lon", String(item.exif.lon));
      }
      if (item.exif && item.exif.device) data.append("exif_device", item.exif.device);
      self.setState(item, "uploading", self.message("uploading"));
      xhr.send(data);
    });
  };

  Uploader.prototype.serverMessage = function (xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.message) {
        var fields = body.fields ? Object.keys(body.fields).map(function (k) { return body.fields[k]; }) : [];
        return [body.message].concat(fields).join(" ");
      }
    } catch (err) { /* not JSON: a proxy's page */ }
    return this.message("failed") + " (" + xhr.status + ")";
  };

  Uploader.prototype.failed = function (item, text, retryable) {
    this.setState(item, "failed", text);
    item.status.classList.add("error");
    if (!retryable || item.row.querySelector("button")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = this.message("retry");
    var self = this;
    button.addEventListener("click", function () {
      button.remove();
      item.status.classList.remove("error");
      self.queue = self.queue.then(function () { return self.send(item); });
    });
    item.row.appendChild(button);
  };

  Uploader.prototype.refreshList = function () {
    var target = this.root.dataset.listTarget;
    if (window.htmx && target && document.querySelector(target)) {
      window.htmx.ajax("GET", this.root.dataset.listUrl, { target: target, swap: "outerHTML" });
    }
  };

  // --- the new-visit form: photos wait on the phone as drafts until the visit is saved ---------------------

  function FormPhotos(root) {
    this.root = root;
    this.form = root.closest("form");
    this.list = root.querySelector("[data-upload-list]");
    this.queue = Promise.resolve();
    this.views = {};
    var self = this;
    root.querySelectorAll("input[type=file][data-photo-category]").forEach(function (input) {
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        var label = input.closest("label") ? input.closest("label").textContent.trim() : input.dataset.photoCategory;
        files.forEach(function (file) { self.add(file, input.dataset.photoCategory, label); });
        input.value = "";
      });
    });
    if (this.form) {
      this.form.addEventListener("xw:visit-saved", function () { self.saved = true; self.markQueued(); });
    }
    this.showKept();
  }

  FormPhotos.prototype.message = Uploader.prototype.message;

  FormPhotos.prototype.visitId = function () {
    var input = this.form ? this.form.querySelector("input[name=visit_id]") : null;
    return input ? input.value : "";
  };

  FormPhotos.prototype.addView = function (item, title, previewBlob) {
    var view = makeRow(this.list, item.recordId, title);
    view.row.dataset.outboxItem = item.id;
    if (previewBlob) {
      var img = document.createElement("img");
      img.className = "upload-preview";
      img.alt = "";
      img.src = URL.createObjectURL(previewBlob);
      view.row.insertBefore(img, view.row.firstChild);
    }
    this.views[item.id] = view;
    follow(view, item.id, this.message.bind(this));
    return view;
  };

  // After a reload of the same form (same visit id): the photos it already kept.
  FormPhotos.prototype.showKept = function () {
    if (!outboxReady()) return;
    var self = this;
    var visitId = this.visitId();
    window.xwOutbox.list().then(function (items) {
      // The visit of this form was saved already (a reload after saving): new photos go right after it.
      if (items.some(function (item) { return item.id === "visit:" + visitId; })) self.saved = true;
      items.forEach(function (item) {
        if (item.kind !== "photo" || item.visitId !== visitId || self.views[item.id]) return;
        window.xwOutbox.getBlob(item.id).then(function (blob) {
          var view = self.addView(item, item.label || "", blob);
          setRow(view, item.state === "draft" ? "kept" : "queued",
                 self.message(item.state === "draft" ? "kept" : "queued"));
        });
      });
    });
  };

  FormPhotos.prototype.markQueued = function () {
    var self = this;
    Object.keys(this.views).forEach(function (id) {
      var view = self.views[id];
      if (view.row.dataset.uploadState === "kept") setRow(view, "queued", self.message("queued"));
    });
  };

  FormPhotos.prototype.add = function (file, category, label) {
    var self = this;
    var photoId = newId();
    var pendingRow = makeRow(this.list, photoId, label + " · " + (file.name || ""));
    setRow(pendingRow, "preparing", this.message("preparing"));
    if (!outboxReady()) {
      setRow(pendingRow, "failed", this.message("failed"));
      return;
    }
    this.queue = this.queue.then(function () {
      return prepare(file).then(function (prepared) {
        return window.xwOutbox.enqueuePhoto({
          visitId: self.visitId(), photoId: photoId, blob: prepared.blob, fields: fieldsOf(category, prepared),
          filename: fileName(prepared.blob, file), author: window.xwSync.user(), deviceId: window.xwSync.deviceId(),
          label: (self.root.dataset.merchantName ? self.root.dataset.merchantName + " · " : "") + label,
          draft: !self.saved,
        }).then(function (item) {
          pendingRow.row.remove();
          var view = self.addView(item, label + " · " + (file.name || ""), prepared.blob);
          setRow(view, self.saved ? "queued" : "kept", self.message(self.saved ? "queued" : "kept"));
          if (self.saved) window.xwSync.kick();
        });
      }, function () {
        setRow(pendingRow, "failed", self.message("unreadable"));
      });
    });
  };

  function init(root) {
    if (!root || !root.querySelectorAll) return;
    var found = root.matches && root.matches("[data-photo-uploader]") ? [root] : root.querySelectorAll("[data-photo-uploader]");
    Array.prototype.forEach.call(found, function (el) {
      if (el.dataset.uploaderBound === "1") return;
      el.dataset.uploaderBound = "1";
      var uploader = new Uploader(el);
      if (outboxReady()) uploader.showQueued();
    });
    var forms = root.matches && root.matches("[data-form-photos]") ? [root] : root.querySelectorAll("[data-form-photos]");
    Array.prototype.forEach.call(forms, function (el) {
      if (el.dataset.uploaderBound === "1") return;
      el.dataset.uploaderBound = "1";
      new FormPhotos(el);
    });
  }

  // The phone's own shrinking, for the wire benchmark (bench/sync_wire.py) and anything else that needs it.
  window.xwPhotos = { prepare: prepare, shrink: shrink, fieldsOf: fieldsOf };

  document.addEventListener("htmx:load", function (event) { init(event.target); });
  init(document);
})();
