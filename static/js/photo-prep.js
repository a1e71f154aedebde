// 小微外勤: a photo, from the moment it is picked until it is ready to send, xw.photoPrep. Loaded by every page,
// because a page left while photos were being prepared leaves them to the next page to finish.
//
// keep(): the original goes into the outbox at once (raw), before anything slow happens: saving the visit or
//   leaving the page a second later loses nothing. On a full phone the shrunk copy is tried instead (a tenth
//   of the size), and when even that cannot be stored the caller hears how much space is needed.
// resume(): each raw photo is shrunk (at most 2048 px on the long side, JPEG quality 0.8, its EXIF capture
//   time and GPS read first, since the shrunk copy carries none) and replaces its original. One tab at a time.
(function () {
  "use strict";
  var xw = window.xw;
  var util = xw.util;
  var MAX_SIDE = 2048;
  var QUALITY = 0.8;
  var EXIF_BYTES = 256 * 1024;
  var LOCK_NAME = "xw-prepare";

  function readExif(blob) {
    return blob.slice(0, EXIF_BYTES).arrayBuffer().then(function (buffer) { return xw.exif.read(buffer); },
      function () { return null; });
  }

  function decodeWithImg(blob) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(blob);
      var img = new Image();
      img.onload = function () {
        resolve({ source: img, width: img.naturalWidth, height: img.naturalHeight, done: function () { URL.revokeObjectURL(url); } });
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("undecodable")); };
      img.src = url;
    });
  }

  function decode(blob) {
    return window.createImageBitmap(blob, { imageOrientation: "from-image" }).then(function (bitmap) {
      return { source: bitmap, width: bitmap.width, height: bitmap.height, done: function () { bitmap.close(); } };
    }, function () { return decodeWithImg(blob); });
  }

  // The shrunk JPEG; when the phone cannot decode the file (some HEIC), the original goes as it is and the
  // server (which reads HEIC) decides.
  function shrink(blob) {
    return decode(blob).then(function (image) {
      var scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(image.width * scale));
      canvas.height = Math.max(1, Math.round(image.height * scale));
      canvas.getContext("2d").drawImage(image.source, 0, 0, canvas.width, canvas.height);
      image.done();
      return new Promise(function (resolve) {
        canvas.toBlob(function (shrunk) { resolve(shrunk || blob); }, "image/jpeg", QUALITY);
      });
    }, function () { return blob; });
  }

  // EXIF first (the shrunk copy carries none), then the shrunk JPEG.
  function prepare(blob) {
    return readExif(blob).then(function (exif) {
      return shrink(blob).then(function (shrunk) { return { blob: shrunk, exif: exif }; });
    });
  }

  // The multipart fields the EXIF adds (webapp/photos/write.py PhotoFields).
  function exifFields(exif) {
    var fields = {};
    if (exif && exif.takenAt) fields.exif_taken_at = exif.takenAt;
    if (exif && exif.lat !== null && exif.lon !== null) {
      fields.exif_lat = String(exif.lat);
      fields.exif_lon = String(exif.lon);
    }
    if (exif && exif.device) fields.exif_device = exif.device;
    return fields;
  }

  function fileName(blob, original) {
    return blob.type === "image/jpeg" ? "photo.jpg" : ((original && original.name) || "photo");
  }

  // A write the phone's storage refused (full disk, quota): Chromium says QuotaExceededError, or DataError
  // ("Failed to write blobs") when the disk itself is full.
  function storageRefused(err) {
    return Boolean(err) && ["QuotaExceededError", "DataError", "UnknownError", "InvalidStateError", "AbortError"].indexOf(err.name) >= 0;
  }

  function storageFull(bytes) {
    var err = new Error("storage full");
    err.name = "StorageFull";
    err.needed = bytes;
    return err;
  }

  // options: file, visitId, photoId, category, label, afterVisit (the visit is saved: send it at once).
  function keep(options) {
    var file = options.file;
    var base = {
      visitId: options.visitId, photoId: options.photoId, author: xw.sync.user(), deviceId: util.deviceId(),
      label: options.label, afterVisit: options.afterVisit,
    };
    var fields = { category: options.category, captured_at: util.isoWithOffset(new Date(file.lastModified || Date.now())) };
    return xw.outbox.enqueuePhoto(Object.assign({}, base, {
      blob: file, raw: true, fields: fields, filename: file.name || "photo",
    })).catch(function (err) {
      if (!storageRefused(err)) throw err;
      // Too little space for the original: the shrunk copy may fit.
      return prepare(file).then(function (prepared) {
        return xw.outbox.enqueuePhoto(Object.assign({}, base, {
          blob: prepared.blob, raw: false, fields: Object.assign(fields, exifFields(prepared.exif)),
          filename: fileName(prepared.blob, file),
        }));
      }).catch(function (again) {
        throw storageRefused(again) ? storageFull(file.size) : again;
      });
    });
  }

  // One raw photo: shrunk and stored in place of its original. A photo that cannot be prepared (nor its
  // copy stored) goes as it is: the server decides, and nothing waits forever.
  function prepareStored(item) {
    return xw.outbox.getBlob(item.id).then(function (original) {
      if (!original) return null;
      return prepare(original).then(function (prepared) {
        return xw.outbox.preparedPhoto(item.id, prepared.blob, exifFields(prepared.exif), fileName(prepared.blob, { name: item.filename }));
      });
    }).catch(function (err) {
      util.report(err);
      return xw.outbox.preparedPhoto(item.id, null, {}, item.filename);
    });
  }

  function nextRaw(user) {
    return xw.outbox.list().then(function (items) {
      return items.filter(function (i) { return i.kind === "photo" && i.raw && i.author === user; })[0] || null;
    });
  }

  function resume(user) {
    return navigator.locks.request(LOCK_NAME, function () {
      function step() {
        return nextRaw(user).then(function (item) {
          return item ? prepareStored(item).then(step) : null;
        });
      }
      return step();
    }).catch(util.report);
  }

  xw.photoPrep = { prepare: prepare, shrink: shrink, exifFields: exifFields, fileName: fileName, keep: keep, resume: resume };
})();
