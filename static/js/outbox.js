// 小微外勤: the outbox, xw.outbox. Everything a manager records is written here first (IndexedDB: records as
// JSON, photos as Blobs) and sent to the JSON API v1 by replay.js when the network allows. Loaded by every page
// and by the service worker (importScripts), so the same rules apply wherever a replay starts.
//
// Rules that keep data (see FIELD-NOTES, "what loses data"):
// - A photo is in the outbox from the moment it is picked: its original first (raw), replaced by the copy
//   the phone shrinks (photo-prep.js). A page that is left mid-way leaves a raw photo, never none.
// - A visit saved on this phone marks its id ("saved:<id>") in the same transaction that promotes its draft
//   photos: a photo stored a moment later sees the mark and is queued, never left as a forgotten draft.
// - An item leaves IndexedDB only after the server acknowledged it (replay.js), and only the revision sent.
// - Discarding names what it deletes; a discarded visit's photos stay on the phone unless the person says so.
//
// Schema (database "xw-outbox", version 1):
//   items  keyPath "id" ("visit:<uuid>", "photo:<uuid>", "confirmation:<visit uuid>:<username>", and the field
//          records "lead:<uuid>", "peer:<uuid>", "survey:<uuid>"), index "seq"
//          { id, kind, seq, rev, author, visitId, recordId, url, json | fields+filename+size+sha256+raw,
//            ifMatch, deviceId, label, dependsOn, state, attempts, strikes, serverHas,
//            lastError {status, code, message, fields, etag, detail, at}, createdAt, updatedAt }
//          state: "queued" (to send), "draft" (a photo of a form not saved yet), "refused" (the server said
//          no; the person decides), "stuck" (failed again and again while the server answered: stepped
//          aside so the rest flows), "kept" (a photo whose visit was discarded; kept until the person decides)
//   blobs  keyPath "id" (the photo item's id) { id, blob }
//   meta   keyPath "key" { key, value }: "generation" (this database's random id, see journal.js), "seq",
//          "saved:<visit id>", "lastSuccess:<user>", "loginNeeded", "pageOwner", "precache", "lost", ...
(function (scope) {
  "use strict";

  const xw = scope.xw;
  const DB_NAME = "xw-outbox";
  const DB_VERSION = 1;
  const CHANNEL_NAME = "xw-outbox";
  const STALE_MS = 24 * 3600 * 1000;
  const SAVED_MARK_DAYS = 30;
  const WAITING = ["queued", "refused", "stuck"];

  let dbPromise = null;
  const sender = new BroadcastChannel(CHANNEL_NAME);
  const receiver = new BroadcastChannel(CHANNEL_NAME);
  const listeners = [];
  receiver.onmessage = (event) => listeners.forEach((fn) => {
    try { fn(event.data); } catch (err) { xw.util.report(err); }
  });

  // --- IndexedDB plumbing ----------------------------------------------------------------------------

  function request(req) {
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  function openDb() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = (event) => {
        const db = req.result;
        if (!db.objectStoreNames.contains("items")) {
          const items = db.createObjectStore("items", { keyPath: "id" });
          items.createIndex("seq", "seq", { unique: true });
        }
        if (!db.objectStoreNames.contains("blobs")) db.createObjectStore("blobs", { keyPath: "id" });
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
        if (event.oldVersion === 0) {
          // A new database: a new generation. A journal naming another one tells of a database that was wiped.
          req.transaction.objectStore("meta").put({ key: "generation", value: xw.util.randomId() });
        }
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading the schema must not be blocked by this one.
        db.onversionchange = () => { db.close(); dbPromise = null; };
        // The browser closed it (the site's data was cleared): the next call opens the database afresh.
        db.onclose = () => { dbPromise = null; };
        resolve(db);
      };
      req.onerror = () => { dbPromise = null; reject(req.error); };
    });
    return dbPromise;
  }

  // Runs body(stores) inside one transaction; resolves with body's result once the transaction committed
  // (durability "strict": an acknowledged write survives a crash of the phone). body may only wait for
  // requests of this transaction: waiting for anything else would let the transaction commit half-way.
  async function transaction(names, mode, body) {
    const db = await openDb();
    const tx = mode === "readwrite" ? db.transaction(names, mode, { durability: "strict" }) : db.transaction(names, mode);
    const stores = {};
    names.forEach((name) => { stores[name] = tx.objectStore(name); });
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
      tx.onerror = () => reject(tx.error);
    });
    let result;
    try {
      result = await body(stores);
    } catch (err) {
      try { tx.abort(); } catch (ignored) { /* already finished */ }
      await done.catch(() => null);
      throw err;
    }
    await done;
    return result;
  }

  function emit(message) {
    sender.postMessage(message);
  }

  // After every change of what the outbox holds: the other tabs hear of it, and the journal (journal.js) is
  // written before the change counts as done, so no item is on the phone without being in the journal.
  let recorder = null;
  async function changed(id) {
    emit({ type: "changed", id });
    if (recorder) await recorder().catch((err) => xw.util.report(err));
  }

  function onChange(fn) { recorder = fn; }

  function on(fn) {
    listeners.push(fn);
    return () => { const i = listeners.indexOf(fn); if (i >= 0) listeners.splice(i, 1); };
  }

  async function getMeta(key) {
    const row = await transaction(["meta"], "readonly", (s) => request(s.meta.get(key)));
    return row ? row.value : undefined;
  }

  async function setMeta(key, value) {
    await transaction(["meta"], "readwrite", (s) => request(value === undefined ? s.meta.delete(key) : s.meta.put({ key, value })));
  }

  // --- putting things in ------------------------------------------------------------------------------

  async function sha256Hex(blob) {
    const digest = await scope.crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function nextSeq(meta) {
    const row = await request(meta.get("seq"));
    const seq = (row ? row.value : 0) + 1;
    await request(meta.put({ key: "seq", value: seq }));
    return seq;
  }

  // Writes an item (and its bytes) inside a transaction over items, blobs and meta. A replaced item keeps its
  // place (seq, createdAt): the person corrected something that never left the phone.
  async function write(s, item, blobRecord) {
    const now = Date.now();
    const existing = await request(s.items.get(item.id));
    const record = Object.assign({ state: "queued", attempts: 0, strikes: 0, lastError: null, dependsOn: null }, item, {
      seq: existing ? existing.seq : await nextSeq(s.meta),
      rev: existing ? (existing.rev || 0) + 1 : 1,
      createdAt: existing ? existing.createdAt : (item.createdAt || now),
      updatedAt: now,
    });
    await request(s.items.put(record));
    if (blobRecord) await request(s.blobs.put(blobRecord));
    return record;
  }

  function visitUrl(visitId) { return "/api/v1/visits/" + encodeURIComponent(visitId); }

  // A visit body as the API takes it (webapp/visits/write.py); ifMatch for an edit of a saved version. One
  // transaction marks the visit saved on this phone and queues the photos taken on its form.
  async function enqueueVisit(options) {
    const id = "visit:" + options.visitId;
    const saved = await transaction(["items", "blobs", "meta"], "readwrite", async (s) => {
      const record = await write(s, {
        id, kind: "visit", recordId: options.visitId, visitId: options.visitId, author: options.author,
        url: visitUrl(options.visitId), json: options.body, ifMatch: options.ifMatch || null,
        deviceId: options.deviceId || null, label: options.label || "", createdAt: options.createdAt,
        merchantId: options.body.merchant_id, state: "queued", attempts: 0, strikes: 0, lastError: null, serverHas: false,
      });
      await markSaved(s, options.visitId);
      return record;
    });
    await changed(id);
    return saved;
  }

  // Inside a transaction over items and meta: the visit is saved (here or, as the server says, elsewhere).
  async function markSaved(s, visitId) {
    await request(s.meta.put({ key: "saved:" + visitId, value: Date.now() }));
    let promoted = 0;
    for (const item of await request(s.items.getAll())) {
      if (item.visitId === visitId && item.state === "draft") {
        item.state = "queued";
        item.updatedAt = Date.now();
        await request(s.items.put(item));
        promoted += 1;
      }
    }
    return promoted;
  }

  // The server has this visit (journal.js asked): photos left as drafts beside it go to it.
  async function visitSaved(visitId) {
    const promoted = await transaction(["items", "meta"], "readwrite", (s) => markSaved(s, visitId));
    if (promoted) await changed(null);
    return promoted;
  }

  // A photo of a visit, under the id its page made (the same id again is the same photo, never twice).
  // raw: the original as picked, to be replaced by the shrunk copy (preparedPhoto). A photo waits as a draft
  // while its visit is not saved on this phone, so photos of a form never saved are never sent.
  async function enqueuePhoto(options) {
    const id = "photo:" + options.photoId;
    const blob = options.blob;
    const item = await transaction(["items", "blobs", "meta"], "readwrite", async (s) => {
      const existing = await request(s.items.get(id));
      if (existing) return existing;
      const saved = options.afterVisit || Boolean(await request(s.meta.get("saved:" + options.visitId)));
      return write(s, {
        id, kind: "photo", recordId: options.photoId, visitId: options.visitId, author: options.author,
        url: visitUrl(options.visitId) + "/photos/" + encodeURIComponent(options.photoId),
        fields: options.fields || {}, filename: options.filename || "photo.jpg", size: blob.size,
        sha256: options.sha256 || null, raw: Boolean(options.raw), deviceId: options.deviceId || null,
        label: options.label || "", dependsOn: "visit:" + options.visitId, state: saved ? "queued" : "draft",
        createdAt: options.createdAt,
      }, { id, blob });
    });
    await changed(id);
    return item;
  }

  // The shrunk copy of a raw photo replaces its original (same item, same state, same place in the queue).
  // Without a blob the original itself is to be sent (the phone could not shrink it).
  async function preparedPhoto(id, blob, fields, filename) {
    const sha256 = blob ? await sha256Hex(blob) : null;
    const item = await transaction(["items", "blobs"], "readwrite", async (s) => {
      const current = await request(s.items.get(id));
      if (!current || !current.raw) return null;
      Object.assign(current, { raw: false, filename, updatedAt: Date.now(), fields: Object.assign({}, current.fields, fields) });
      if (blob) {
        Object.assign(current, { size: blob.size, sha256 });
        await request(s.blobs.put({ id, blob }));
      }
      await request(s.items.put(current));
      return current;
    });
    if (item) emit({ type: "prepared", id, visitId: item.visitId, state: item.state });
    return item;
  }

  function enqueueConfirmation(options) {
    const id = "confirmation:" + options.visitId + ":" + options.username;
    return transaction(["items", "blobs", "meta"], "readwrite", (s) => write(s, {
      id, kind: "confirmation", recordId: options.visitId, visitId: options.visitId, author: options.author,
      url: visitUrl(options.visitId) + "/confirmations/" + encodeURIComponent(options.username),
      json: options.body, deviceId: options.deviceId || null, label: options.label || "",
      dependsOn: "visit:" + options.visitId, state: "queued", attempts: 0, strikes: 0, lastError: null,
    })).then(async (record) => { await changed(id); return record; });
  }

  // A field record that stands alone (a lead, a peer record, survey answers): a JSON body PUT to its own URL
  // under the id the page made. Kinds: "lead", "peer", "survey" (journal.js and /sync/known know them).
  function enqueueRecord(options) {
    const id = options.kind + ":" + options.recordId;
    return transaction(["items", "blobs", "meta"], "readwrite", (s) => write(s, {
      id, kind: options.kind, recordId: options.recordId, author: options.author, url: options.url,
      json: options.body, deviceId: options.deviceId || null, label: options.label || "", state: "queued",
      attempts: 0, strikes: 0, lastError: null, createdAt: options.createdAt,
    })).then(async (record) => { await changed(id); return record; });
  }

  // --- reading -------------------------------------------------------------------------------------------

  function list() {
    return transaction(["items"], "readonly", (s) => request(s.items.index("seq").getAll()));
  }

  function getItem(id) {
    return transaction(["items"], "readonly", (s) => request(s.items.get(id)));
  }

  async function getBlob(id) {
    const row = await transaction(["blobs"], "readonly", (s) => request(s.blobs.get(id)));
    return row ? row.blob : null;
  }

  // The item an item waits for: a visit still on the phone that the server does not have yet.
  function blockedBy(item, byId) {
    const parent = item.dependsOn ? byId[item.dependsOn] : null;
    return parent && !parent.serverHas ? parent : null;
  }

  function byIdOf(items) {
    const byId = {};
    items.forEach((i) => { byId[i.id] = i; });
    return byId;
  }

  // The items of this user that may be sent now, oldest first: queued, shrunk, not waiting for their visit.
  function sendable(items, user) {
    const byId = byIdOf(items);
    return items.filter((i) => i.author === user && i.state === "queued" && !i.raw && !blockedBy(i, byId));
  }

  // What the badge and the sync page show for one user.
  async function stats(user) {
    const items = await list();
    const mine = items.filter((i) => i.author === user);
    const waiting = mine.filter((i) => WAITING.includes(i.state));
    const oldest = waiting.reduce((min, i) => Math.min(min, i.createdAt), Infinity);
    const count = (state) => mine.filter((i) => i.state === state).length;
    return {
      waiting: waiting.length,
      refused: count("refused"),
      stuck: count("stuck"),
      drafts: count("draft"),
      kept: count("kept"),
      preparing: mine.filter((i) => i.raw).length,
      oldestAt: waiting.length ? oldest : null,
      stale: waiting.length > 0 && Date.now() - oldest > STALE_MS,
      others: items.filter((i) => i.author !== user && WAITING.includes(i.state)).length,
      lastSuccessAt: (await getMeta("lastSuccess:" + user)) || null,
      loginNeeded: (await getMeta("loginNeeded")) || null,
    };
  }

  // How many of this user's items could be sent now (the service worker keeps Background Sync pending then).
  async function pending(user) {
    const items = await list();
    return user ? sendable(items, user).length : items.filter((i) => i.state === "queued" && !i.raw).length;
  }

  // --- changing and removing -------------------------------------------------------------------------------

  async function updateItem(id, change) {
    const updated = await transaction(["items"], "readwrite", async (s) => {
      const item = await request(s.items.get(id));
      if (!item) return null;
      change(item);
      item.updatedAt = Date.now();
      await request(s.items.put(item));
      return item;
    });
    if (updated) await changed(id);
    return updated;
  }

  // After an acknowledgement: only the revision that was sent. A visit corrected while its first version
  // was on the wire stays queued with the correction.
  async function removeSent(item) {
    const removed = await transaction(["items", "blobs"], "readwrite", async (s) => {
      const current = await request(s.items.get(item.id));
      if (current && (current.rev || 0) !== (item.rev || 0)) return false;
      await request(s.items.delete(item.id));
      await request(s.blobs.delete(item.id));
      return true;
    });
    await changed(item.id);
    return removed;
  }

  // What discarding an item would delete: the item, and the photos and confirmations that belong to it.
  async function dependentsOf(id) {
    return (await list()).filter((i) => i.dependsOn === id && i.id !== id);
  }

  // The person discards an item. A visit's photos stay on the phone ("kept", never sent) unless withDependents;
  // its confirmations go with it (they mean nothing without the visit). When the server has the visit (a 409),
  // only this phone's copy goes: its photos and confirmations are sent to the server's visit as before.
  async function discard(id, withDependents) {
    await transaction(["items", "blobs"], "readwrite", async (s) => {
      const target = await request(s.items.get(id));
      const serverHas = Boolean(target && target.serverHas);
      await request(s.items.delete(id));
      await request(s.blobs.delete(id));
      for (const item of await request(s.items.getAll())) {
        if (item.dependsOn !== id) continue;
        if (withDependents || (!serverHas && item.kind !== "photo")) {
          await request(s.items.delete(item.id));
          await request(s.blobs.delete(item.id));
          continue;
        }
        Object.assign(item, { dependsOn: null, updatedAt: Date.now() });
        if (!serverHas) item.state = "kept";
        await request(s.items.put(item));
      }
    });
    await changed(id);
  }

  // The person asks to try an item again (after fixing what the server named, or after a stuck item's cause
  // went away): from the start, with a clean record of failures.
  function retry(id) {
    return updateItem(id, (item) => {
      Object.assign(item, { state: "queued", attempts: 0, strikes: 0, lastError: null });
    });
  }

  // A visit the server already has in another version (409): send this one as a change of that version.
  function overwrite(id, etag) {
    return updateItem(id, (item) => {
      Object.assign(item, { state: "queued", ifMatch: etag, attempts: 0, strikes: 0, lastError: null });
    });
  }

  // Saved-visit marks older than a month are of visits long sent: forget them.
  async function tidy() {
    const limit = Date.now() - SAVED_MARK_DAYS * 86400 * 1000;
    await transaction(["meta"], "readwrite", async (s) => {
      for (const row of await request(s.meta.getAll())) {
        if (String(row.key).startsWith("saved:") && row.value < limit) await request(s.meta.delete(row.key));
      }
    });
  }

  xw.outbox = {
    DB_NAME, CHANNEL_NAME, STALE_MS, WAITING,
    openDb, on, emit, onChange, getMeta, setMeta, sha256Hex,
    enqueueVisit, enqueuePhoto, preparedPhoto, enqueueConfirmation, enqueueRecord, visitSaved,
    list, getItem, getBlob, blockedBy, byIdOf, sendable, stats, pending,
    updateItem, removeSent, dependentsOf, discard, retry, overwrite, tidy,
  };
})(self);
