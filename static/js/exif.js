// 小微外勤: a small EXIF reader for the photo uploader. The phone shrinks each photo before upload
// and the shrunk copy carries no metadata, so the capture time and GPS position are read here first
// and sent beside the file as evidence. Only what the server needs: DateTimeOriginal (0x9003 in the
// Exif IFD) and the GPS IFD's latitude and longitude. Anything odd gives null; it never throws.
//
// xw.exif.read(arrayBuffer) -> null (not a JPEG, or no EXIF) or
//   { takenAt: "YYYY-MM-DDTHH:MM:SS" (the camera's local time, no zone) | null, lat: number | null, lon: number | null }
(function () {
  "use strict";
  var TAG_EXIF_IFD = 0x8769;
  var TAG_GPS_IFD = 0x8825;
  var TAG_DATETIME_ORIGINAL = 0x9003;
  var TAG_MAKE = 0x010F, TAG_MODEL = 0x0110;
  var GPS_LAT_REF = 0x0001, GPS_LAT = 0x0002, GPS_LON_REF = 0x0003, GPS_LON = 0x0004;
  var TYPE_ASCII = 2, TYPE_LONG = 4, TYPE_RATIONAL = 5, TYPE_IFD = 13;
  var MAX_ENTRIES = 1000;

  // The TIFF block inside the JPEG's APP1 "Exif\0\0" segment, as its own DataView (offsets are relative to it).
  function findTiff(view) {
    if (view.byteLength < 4 || view.getUint16(0) !== 0xFFD8) return null;
    var offset = 2;
    while (offset + 4 <= view.byteLength) {
      if (view.getUint8(offset) !== 0xFF) return null;
      var marker = view.getUint8(offset + 1);
      if (marker === 0xFF) { offset += 1; continue; }                    // fill byte
      if (marker === 0xD9 || marker === 0xDA) return null;               // end of image, start of scan
      if (marker === 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { offset += 2; continue; }
      var length = view.getUint16(offset + 2);
      if (length < 2) return null;
      var end = offset + 2 + length;
      if (marker === 0xE1 && length >= 16 && end <= view.byteLength &&
          view.getUint32(offset + 4) === 0x45786966 && view.getUint16(offset + 8) === 0) {
        return new DataView(view.buffer, view.byteOffset + offset + 10, length - 8);
      }
      offset = end;
    }
    return null;
  }

  function tiffReader(tiff) {
    var order = tiff.getUint16(0);
    var little;
    if (order === 0x4949) little = true;
    else if (order === 0x4D4D) little = false;
    else return null;
    if (tiff.getUint16(2, little) !== 42) return null;
    return {
      size: tiff.byteLength,
      u8: function (at) { return tiff.getUint8(at); },
      u16: function (at) { return tiff.getUint16(at, little); },
      u32: function (at) { return tiff.getUint32(at, little); },
    };
  }

  function readIfd(r, offset) {
    if (offset < 8 || offset + 2 > r.size) return null;
    var count = r.u16(offset);
    if (count > MAX_ENTRIES || offset + 2 + count * 12 > r.size) return null;
    var entries = {};
    for (var i = 0; i < count; i++) {
      var at = offset + 2 + i * 12;
      entries[r.u16(at)] = { type: r.u16(at + 2), count: r.u32(at + 4), at: at + 8 };
    }
    return entries;
  }

  // Where an entry's values are: inline when they fit in 4 bytes, else at the offset stored there.
  function valueOffset(r, entry, unitSize) {
    var total = unitSize * entry.count;
    if (total <= 4) return entry.at;
    var offset = r.u32(entry.at);
    return offset + total <= r.size ? offset : -1;
  }

  function pointer(r, entry) {
    if (!entry || entry.count !== 1 || (entry.type !== TYPE_LONG && entry.type !== TYPE_IFD)) return -1;
    return r.u32(entry.at);
  }

  function ascii(r, entry) {
    if (!entry || entry.type !== TYPE_ASCII || entry.count < 1 || entry.count > 256) return null;
    var at = valueOffset(r, entry, 1);
    if (at < 0) return null;
    var text = "";
    for (var i = 0; i < entry.count; i++) {
      var code = r.u8(at + i);
      if (code === 0) break;
      text += String.fromCharCode(code);
    }
    return text;
  }

  function rationals(r, entry) {
    if (!entry || entry.type !== TYPE_RATIONAL || entry.count < 1 || entry.count > 3) return null;
    var at = valueOffset(r, entry, 8);
    if (at < 0) return null;
    var values = [];
    for (var i = 0; i < entry.count; i++) {
      var numerator = r.u32(at + i * 8);
      var denominator = r.u32(at + i * 8 + 4);
      if (denominator === 0) return null;
      values.push(numerator / denominator);
    }
    return values;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function takenAt(r, ifd0) {
    var exifIfd = readIfd(r, pointer(r, ifd0[TAG_EXIF_IFD]));
    if (!exifIfd) return null;
    var text = ascii(r, exifIfd[TAG_DATETIME_ORIGINAL]);
    var match = text ? /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(text) : null;
    if (!match) return null;
    var p = match.slice(1).map(Number);
    if (p[0] < 1990 || p[1] < 1 || p[1] > 12 || p[2] < 1 || p[2] > 31 || p[3] > 23 || p[4] > 59 || p[5] > 59) return null;
    return match[1] + "-" + match[2] + "-" + match[3] + "T" + match[4] + ":" + match[5] + ":" + match[6];
  }

  function degrees(parts, ref, positive, negative, limit) {
    if (!parts || (ref !== positive && ref !== negative)) return null;
    var value = parts[0] + (parts.length > 1 ? parts[1] / 60 : 0) + (parts.length > 2 ? parts[2] / 3600 : 0);
    if (!isFinite(value) || value > limit) return null;
    return ref === negative ? -value : value;
  }

  function position(r, ifd0) {
    var gps = readIfd(r, pointer(r, ifd0[TAG_GPS_IFD]));
    if (!gps) return null;
    var lat = degrees(rationals(r, gps[GPS_LAT]), (ascii(r, gps[GPS_LAT_REF]) || "").toUpperCase(), "N", "S", 90);
    var lon = degrees(rationals(r, gps[GPS_LON]), (ascii(r, gps[GPS_LON_REF]) || "").toUpperCase(), "E", "W", 180);
    if (lat === null || lon === null || (lat === 0 && lon === 0)) return null;  // 0,0: a camera without a fix
    return { lat: Math.round(lat * 1e7) / 1e7, lon: Math.round(lon * 1e7) / 1e7 };
  }

  // "Make Model" as the server's reading names it (the model alone when it already starts with the make).
  function device(r, ifd0) {
    var make = (ascii(r, ifd0[TAG_MAKE]) || "").trim();
    var model = (ascii(r, ifd0[TAG_MODEL]) || "").trim();
    if (make && model && model.toLowerCase().indexOf(make.toLowerCase()) === 0) return model.slice(0, 120);
    var both = (make + " " + model).trim();
    return both ? both.slice(0, 120) : null;
  }

  function attempt(fn) {
    try { return fn(); } catch (err) { return null; }
  }

  function read(buffer) {
    return attempt(function () {
      var view = buffer instanceof DataView ? buffer : new DataView(buffer);
      var tiff = findTiff(view);
      if (!tiff) return null;
      var r = tiffReader(tiff);
      if (!r) return null;
      var ifd0 = readIfd(r, r.u32(4));
      if (!ifd0) return null;
      var when = attempt(function () { return takenAt(r, ifd0); });
      var where = attempt(function () { return position(r, ifd0); });
      var camera = attempt(function () { return device(r, ifd0); });
      return { takenAt: when, lat: where ? where.lat : null, lon: where ? where.lon : null, device: camera || null };
    });
  }

  window.xw.exif = { read: read };
})();
