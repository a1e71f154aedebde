// 小微外勤: the outbox. Everything a manager records is written here first (IndexedDB: records as JSON,
// photos as the shrunk Blobs) and replayed to the JSON API v1 when the network allows. Loaded by every page
// (a <script> in base.html) and by the service worker (importScripts), so the same rules apply wherever a
// replay starts.
//
// Rules that keep data (see FIELD-NOTES, "what loses data"):
// - An item leaves IndexedDB only after the server acknowledged it: a 2xx, JSON, not redirected. A login
//   page after a redirect, a captive portal's 200 or a proxy's 502 are not acknowledgements.
// - One replay at a time, across the page and the service worker: one Web Lock (navigator.locks).
// - Oldest first; a photo or confirmation never before the visit item it belongs to.
// - Before replaying, ask the server who is logged in (/sync/session): only that user's items are sent, with
//   X-Expected-User naming the author, so a session of someone else is refused by the server as well.
// - 401: stop and wait for a login. 409/422 and other refusals: keep, mark, show; never retried in a loop.
//   Network errors, 5xx, 408, 429: back off 0.25 s doubling to 8 s, then give up this round (a timer, the
//   next start, the `online` event or Background Sync start the next one).
//
// Schema (database "xw-outbox", version 1):
//   items  keyPath "id" ("visit:<uuid>", "photo:<uuid>", "confirmation:<visit uuid>:<username>"), index "seq"
//          { id, kind, seq, author, visitId, recordId, url, json | fields+filename+size+sha256, ifMatch,
//            deviceId, label, dependsOn, state ("queued" | "draft" | "refused"), attempts,
//            lastError {status, code, message, fields}, createdAt, updatedAt }
//   blobs  keyPath "id" (the photo item's id) { id, blob } or { id, buffer, type } where Blobs cannot be stored
//   meta   keyPath "key" { key, value }: "seq", "lastSuccess:<user>", "loginNeeded", "pageOwner", ...
(function (scope) {
  "use strict";

  const DB_NAME = "xw-outbox";
  const DB_VERSION = 1;
  const LOCK_NAME = "xw-outbox-send";
  const CHANNEL_NAME = "xw-outbox";
  const FIRST_DELAY_MS = 250;
  const MAX_DELAY_MS = 8000;
  const JSON_TIMEOUT_MS = 30000;
  const STALE_MS = 24 * 3600 * 1000;

  let dbPromise = null;
  const sender = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL_NAME) : null;
  const receiver = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL_NAME) : null;
  const listeners = [];
  if (receiver) {
    receiver.onmessage = (event) => listeners.forEach((fn) => { try { fn(event.data); } catch (err) { console.error(err); } });
  }

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
      if (typeof indexedDB === "undefined") {
        reject(new Error("no IndexedDB"));
        return;
      }
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains("items")) {
          const items = db.createObjectStore("items", { keyPath: "id" });
          items.createIndex("seq", "seq", { unique: true });
        }
        if (!db.objectStoreNames.contains("blobs")) db.createObjectStore("blobs", { keyPath: "id" });
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading the schema must not be blocked by this one.
        db.onversionchange = () => { db.close(); dbPromise = null; };
        resolve(db);
      };
      req.onerror = () => { dbPromise = null; reject(req.error); };
    });
    return dbPromise;
  }

  // Runs body(stores) inside one transaction; resolves with body's result once the transaction committed
  // (durability "strict" where supported: an acknowledged write survives a crash of the phone).
  async function transaction(names, mode, body) {
    const db = await openDb();
    const options = mode === "readwrite" ? { durability: "strict" } : undefined;
    const tx = options ? db.transaction(names, mode, options) : db.transaction(names, mode);
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
      await done.catch(() => {});
      throw err;
    }
    await done;
    return result;
  }

  function emit(message) {
    if (sender) sender.postMessage(message);
  }

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
    if (!scope.crypto || !scope.crypto.subtle) return null;
    const digest = await scope.crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function nextSeq(meta) {
    const row = await request(meta.get("seq"));
    const seq = (row ? row.value : 0) + 1;
    await request(meta.put({ key: "seq", value: seq }));
    return seq;
  }

  // Adds or replaces an item. A queued item keeps its place (seq, createdAt) when it is replaced: the
  // person corrected a visit that never left the phone. blobRecord goes to "blobs" in the same transaction.
  async function put(item, blobRecord) {
    const now = Date.now();
    const saved = await transaction(["items", "blobs", "meta"], "readwrite", async (s) => {
      const existing = await request(s.items.get(item.id));
      const record = Object.assign({ state: "queued", attempts: 0, lastError: null, dependsOn: null }, item, {
        seq: existing ? existing.seq : await nextSeq(s.meta),
        rev: existing ? (existing.rev || 0) + 1 : 1,
        createdAt: existing ? existing.createdAt : (item.createdAt || now),
        updatedAt: now,
      });
      await request(s.items.put(record));
      if (blobRecord) await request(s.blobs.put(blobRecord));
      return record;
    });
    emit({ type: "changed", id: saved.id });
    return saved;
  }

  function visitUrl(visitId) { return "/api/v1/visits/" + encodeURIComponent(visitId); }

  // A visit body as the API takes it (webapp/visits/write.py). ifMatch for an edit of a saved version.
  function enqueueVisit(options) {
    return put({
      id: "visit:" + options.visitId, kind: "visit", recordId: options.visitId, visitId: options.visitId,
      author: options.author, url: visitUrl(options.visitId), json: options.body, ifMatch: options.ifMatch || null,
      deviceId: options.deviceId || null, label: options.label || "", createdAt: options.createdAt,
      state: "queued", attempts: 0, lastError: null,
    });
  }

  // A photo, already shrunk on the phone. draft: true keeps it out of the replay until its visit is saved
  // (promoteDrafts), so photos taken on a form that is never saved are never sent.
  async function enqueuePhoto(options) {
    const id = "photo:" + options.photoId;
    const existing = await getItem(id);
    if (existing) return existing; // same photo id again: already on the phone, never twice
    const blob = options.blob;
    const sha256 = options.sha256 || await sha256Hex(blob);
    const item = {
      id, kind: "photo", recordId: options.photoId, visitId: options.visitId, author: options.author,
      url: visitUrl(options.visitId) + "/photos/" + encodeURIComponent(options.photoId),
      fields: options.fields || {}, filename: options.filename || "photo.jpg", size: blob.size, sha256,
      deviceId: options.deviceId || null, label: options.label || "", dependsOn: "visit:" + options.visitId,
      state: options.draft ? "draft" : "queued", attempts: 0, lastError: null, createdAt: options.createdAt,
    };
    try {
      return await put(item, { id, blob });
    } catch (err) {
      if (!err || err.name !== "DataCloneError") throw err;
      // Some engines cannot store a Blob (old Safari): keep the bytes instead.
      return put(item, { id, buffer: await blob.arrayBuffer(), type: blob.type || "image/jpeg" });
    }
  }

  function enqueueConfirmation(options) {
    return put({
      id: "confirmation:" + options.visitId + ":" + options.username, kind: "confirmation",
      recordId: options.visitId, visitId: options.visitId, author: options.author,
      url: visitUrl(options.visitId) + "/confirmations/" + encodeURIComponent(options.username),
      json: options.body, deviceId: options.deviceId || null, label: options.label || "",
      dependsOn: "visit:" + options.visitId, state: "queued", attempts: 0, lastError: null,
    });
  }

  // The visit was saved: its draft photos may go now (after it, by the dependency).
  async function promoteDrafts(visitId) {
    const changed = await transaction(["items"], "readwrite", async (s) => {
      const all = await request(s.items.getAll());
      let count = 0;
      for (const item of all) {
        if (item.visitId === visitId && item.state === "draft") {
          item.state = "queued";
          item.updatedAt = Date.now();
          await request(s.items.put(item));
          count += 1;
        }
      }
      return count;
    });
    if (changed) emit({ type: "changed" });
    return changed;
  }

  // --- reading -------------------------------------------------------------------------------------------

  async function list() {
    const items = await transaction(["items"], "readonly", (s) => request(s.items.index("seq").getAll()));
    return items;
  }

  function getItem(id) {
    return transaction(["items"], "readonly", (s) => request(s.items.get(id)));
  }

  async function getBlob(id) {
    const row = await transaction(["blobs"], "readonly", (s) => request(s.blobs.get(id)));
    if (!row) return null;
    return row.blob || new Blob([row.buffer], { type: row.type || "image/jpeg" });
  }

  // Deletes an item and its photo bytes together: after an acknowledgement (the server has them now) or when
  // the person discards it. Customer data kept only for the sync does not outlive its purpose.
  async function remove(id) {
    await transaction(["items", "blobs"], "readwrite", async (s) => {
      await request(s.items.delete(id));
      await request(s.blobs.delete(id));
    });
    emit({ type: "changed", id });
  }

  // After an acknowledgement: only the revision that was sent. A visit corrected while its first version
  // was on the wire stays queued with the correction.
  async function removeSent(item) {
    let removed = false;
    await transaction(["items", "blobs"], "readwrite", async (s) => {
      const current = await request(s.items.get(item.id));
      if (current && (current.rev || 0) !== (item.rev || 0)) return;
      await request(s.items.delete(item.id));
      await request(s.blobs.delete(item.id));
      removed = true;
    });
    emit({ type: "changed", id: item.id });
    return removed;
  }

  // Discarding a visit discards what belongs to it too: its photos would otherwise wait on the server for a
  // visit that never comes.
  async function removeWithDependents(id) {
    const items = await list();
    const ids = [id].concat(items.filter((i) => i.dependsOn === id).map((i) => i.id));
    await transaction(["items", "blobs"], "readwrite", async (s) => {
      for (const one of ids) {
        await request(s.items.delete(one));
        await request(s.blobs.delete(one));
      }
    });
    emit({ type: "changed", id });
    return ids.length;
  }

  // The person asks to try a refused item again (after fixing what the server named, say).
  async function retry(id) {
    await transaction(["items"], "readwrite", async (s) => {
      const item = await request(s.items.get(id));
      if (!item) return;
      item.state = "queued";
      item.attempts = 0;
      item.lastError = null;
      item.updatedAt = Date.now();
      await request(s.items.put(item));
    });
    emit({ type: "changed", id });
  }

  function blockedBy(item, byId) {
    return item.dependsOn && byId[item.dependsOn] ? byId[item.dependsOn] : null;
  }

  // What the badge and the sync page show for one user.
  async function stats(user) {
    const items = await list();
    const mine = items.filter((i) => i.author === user && i.state !== "draft");
    const oldest = mine.reduce((min, i) => Math.min(min, i.createdAt), Infinity);
    return {
      waiting: mine.length,
      refused: mine.filter((i) => i.state === "refused").length,
      oldestAt: mine.length ? oldest : null,
      stale: mine.length > 0 && Date.now() - oldest > STALE_MS,
      others: items.filter((i) => i.author !== user && i.state !== "draft").length,
      lastSuccessAt: (await getMeta("lastSuccess:" + user)) || null,
      loginNeeded: (await getMeta("loginNeeded")) || null,
    };
  }

  // --- sending ---------------------------------------------------------------------------------------------

  function isJson(contentType) {
    return /^application\/([\w.+-]*\+)?json\b/i.test(contentType || "");
  }

  function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

  function online() { return !(scope.navigator && scope.navigator.onLine === false); }

  async function fetchSession() {
    const response = await fetch("/sync/session", {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    });
    if (!response.ok || response.redirected || !isJson(response.headers.get("Content-Type"))) {
      throw new Error("no session answer (" + response.status + ")");
    }
    const body = await response.json();
    return { user: body.user || null, csrf: body.csrf_token || "" };
  }

  function headersFor(item, session) {
    const headers = {
      Accept: "application/json",
      "X-CSRFToken": session.csrf,
      "X-Expected-User": item.author,
      // The device clock when this request is sent, not when the visit was recorded (request_context.py).
      "X-Client-Time": new Date().toISOString(),
    };
    if (item.deviceId) headers["X-Device-Id"] = item.deviceId;
    if (item.ifMatch) headers["If-Match"] = item.ifMatch;
    if (item.kind !== "photo") headers["Content-Type"] = "application/json";
    return headers;
  }

  async function bodyFor(item) {
    if (item.kind !== "photo") return JSON.stringify(item.json);
    const blob = await getBlob(item.id);
    if (!blob) return null;
    // A fresh FormData (and so a fresh multipart boundary) for every attempt, from the stored Blob.
    const form = new FormData();
    form.append("file", blob, item.filename || "photo.jpg");
    Object.keys(item.fields || {}).forEach((name) => {
      const value = item.fields[name];
      if (value !== null && value !== undefined && value !== "") form.append(name, String(value));
    });
    return form;
  }

  function timeoutFor(item) {
    // Generous for a photo on a slow link: a minute plus a second for every 10 KB.
    return item.kind === "photo" ? 60000 + Math.ceil((item.size || 0) / 10240) * 1000 : JSON_TIMEOUT_MS;
  }

  async function sendWithFetch(item, headers, body) {
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    const timer = controller ? setTimeout(() => controller.abort(), timeoutFor(item)) : null;
    try {
      const response = await fetch(item.url, {
        method: "PUT", headers, body, credentials: "same-origin", cache: "no-store",
        signal: controller ? controller.signal : undefined,
      });
      const contentType = response.headers.get("Content-Type") || "";
      let json = null;
      if (isJson(contentType)) { try { json = await response.json(); } catch (err) { json = null; } }
      return { status: response.status, redirected: response.redirected, json, contentType };
    } catch (err) {
      return { status: 0, error: String(err && err.name === "AbortError" ? "timeout" : err) };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  // XMLHttpRequest where there is one (pages): fetch reports no upload progress, and a photo deserves a bar.
  function sendWithXhr(item, headers, body) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      let idle = null;
      const idleLimit = 45000;
      const armIdle = () => { clearTimeout(idle); idle = setTimeout(() => xhr.abort(), idleLimit); };
      xhr.open("PUT", item.url);
      Object.keys(headers).forEach((name) => xhr.setRequestHeader(name, headers[name]));
      let lastEmit = 0;
      xhr.upload.addEventListener("progress", (event) => {
        armIdle();
        const now = Date.now();
        if (event.lengthComputable && (now - lastEmit > 100 || event.loaded === event.total)) {
          lastEmit = now;
          emit({ type: "progress", id: item.id, loaded: event.loaded, total: event.total });
        }
      });
      xhr.addEventListener("load", () => {
        clearTimeout(idle);
        const contentType = xhr.getResponseHeader("Content-Type") || "";
        let json = null;
        if (isJson(contentType)) { try { json = JSON.parse(xhr.responseText); } catch (err) { json = null; } }
        const finalUrl = xhr.responseURL ? new URL(xhr.responseURL, scope.location.href).pathname : null;
        resolve({ status: xhr.status, redirected: finalUrl !== null && finalUrl !== item.url, json, contentType });
      });
      xhr.addEventListener("error", () => { clearTimeout(idle); resolve({ status: 0, error: "network" }); });
      xhr.addEventListener("abort", () => { clearTimeout(idle); resolve({ status: 0, error: "timeout" }); });
      armIdle();
      xhr.send(body);
    });
  }

  // What a response means for the item: ack, refused, login, csrf, retry.
  function classify(result) {
    const status = result.status;
    const json = result.json || {};
    const message = typeof json.message === "string" ? json.message : "";
    if (status === 0) return { outcome: "retry", status, code: result.error || "network", message: "" };
    if (result.redirected) return { outcome: "retry", status, code: "redirected", message: "" };
    if (status >= 200 && status < 300) {
      return isJson(result.contentType) && result.json !== null
        ? { outcome: "ack", status, json: result.json }
        : { outcome: "retry", status, code: "not_json", message: "" };
    }
    if (status === 401) return { outcome: "login", status, code: json.error || "unauthenticated", message };
    if (status === 400 && json.error === "csrf") return { outcome: "csrf", status, code: "csrf", message };
    if (status === 408 || status === 429 || status >= 500 || !isJson(result.contentType)) {
      // A proxy's or portal's error page is not the API speaking: try again later.
      return { outcome: "retry", status, code: json.error || "server", message };
    }
    return { outcome: "refused", status, code: json.error || String(status), message, fields: json.fields || null };
  }

  async function sendItem(item, session, transport) {
    const body = await bodyFor(item);
    if (body === null) {
      return { outcome: "refused", status: 0, code: "missing_photo", message: "" };
    }
    const headers = headersFor(item, session);
    const useXhr = transport === "xhr" && item.kind === "photo" && typeof XMLHttpRequest === "function";
    return classify(useXhr ? await sendWithXhr(item, headers, body) : await sendWithFetch(item, headers, body));
  }

  async function updateItem(id, change) {
    let updated = null;
    await transaction(["items"], "readwrite", async (s) => {
      const item = await request(s.items.get(id));
      if (!item) return;
      change(item);
      item.updatedAt = Date.now();
      await request(s.items.put(item));
      updated = item;
    });
    return updated;
  }

  function errorOf(verdict) {
    return { status: verdict.status, code: verdict.code || "", message: verdict.message || "",
             fields: verdict.fields || null, at: Date.now() };
  }

  // The oldest item of this user that may go now: queued, and not waiting for a visit still on the phone.
  function pickNext(items, user) {
    const byId = {};
    items.forEach((i) => { byId[i.id] = i; });
    return items.find((i) => i.author === user && i.state === "queued" && !blockedBy(i, byId)) || null;
  }

  function retryable(items, user) {
    const byId = {};
    items.forEach((i) => { byId[i.id] = i; });
    return items.filter((i) => i.author === user && i.state === "queued" && !blockedBy(i, byId)).length;
  }

  function backoff(failures) { return FIRST_DELAY_MS * Math.pow(2, failures - 1); }

  // Who is logged in. `online` and even `sync` fire before the network is really usable: a failed question
  // backs off like a failed item before this round gives up.
  async function askSession() {
    for (let failures = 1; ; failures += 1) {
      if (!online()) return { status: "offline" };
      try {
        return { session: await fetchSession() };
      } catch (err) {
        if (backoff(failures) > MAX_DELAY_MS) return { status: "retry-later" };
        await sleep(backoff(failures));
      }
    }
  }

  async function replay(options) {
    const transport = options.transport || "fetch";
    // Another tab or the worker may have sent everything while this one waited for the lock.
    if (!(await list()).some((i) => i.state === "queued")) return { status: "done", sent: 0 };
    const asked = await askSession();
    if (!asked.session) return { status: asked.status, sent: 0 };
    let session = asked.session;
    if (!session.user) {
      const items = await list();
      if (items.some((i) => i.state === "queued")) {
        await setMeta("loginNeeded", { at: Date.now() });
        emit({ type: "login-needed" });
      }
      return { status: "login", sent: 0 };
    }
    if (await getMeta("loginNeeded")) {
      await setMeta("loginNeeded", undefined);
      emit({ type: "changed" });
    }
    let items = await list();
    let failures = 0;
    let sent = 0;
    let csrfRefreshed = false;
    for (;;) {
      let next = pickNext(items, session.user);
      if (!next) {
        items = await list(); // items added while this replay ran
        next = pickNext(items, session.user);
        if (!next) break;
      }
      const fresh = await getItem(next.id); // discarded on the sync page meanwhile?
      if (!fresh || fresh.state !== "queued") {
        items = items.filter((i) => i.id !== next.id);
        continue;
      }
      emit({ type: "sending", id: fresh.id, kind: fresh.kind, size: fresh.size || 0 });
      const verdict = await sendItem(fresh, session, transport);
      if (verdict.outcome === "ack") {
        await removeSent(fresh);
        await setMeta("lastSuccess:" + session.user, Date.now());
        items = items.filter((i) => i.id !== fresh.id);
        sent += 1;
        failures = 0;
        emit({ type: "sent", id: fresh.id, kind: fresh.kind, visitId: fresh.visitId, status: verdict.status,
               response: verdict.json });
        continue;
      }
      if (verdict.outcome === "refused") {
        const marked = await updateItem(fresh.id, (item) => {
          item.state = "refused";
          item.attempts += 1;
          item.lastError = errorOf(verdict);
        });
        items = items.map((i) => (i.id === fresh.id && marked ? marked : i));
        emit({ type: "refused", id: fresh.id, kind: fresh.kind, visitId: fresh.visitId, status: verdict.status,
               message: verdict.message, fields: verdict.fields || null });
        continue;
      }
      if (verdict.outcome === "csrf" && !csrfRefreshed) {
        csrfRefreshed = true; // a token from an older session: ask once more, then back off like any failure
        const again = await askSession();
        if (!again.session) return { status: again.status, sent };
        session = again.session;
        if (!session.user) verdict.outcome = "login";
        else continue;
      }
      await updateItem(fresh.id, (item) => { item.attempts += 1; item.lastError = errorOf(verdict); });
      if (verdict.outcome === "login") {
        await setMeta("loginNeeded", { at: Date.now(), author: fresh.author });
        emit({ type: "login-needed", author: fresh.author });
        return { status: "login", sent };
      }
      failures += 1;
      emit({ type: "retrying", id: fresh.id, status: verdict.status, code: verdict.code });
      const delay = backoff(failures);
      if (delay > MAX_DELAY_MS) return { status: "retry-later", sent, remaining: retryable(items, session.user) };
      if (!online()) return { status: "offline", sent };
      await sleep(delay);
      if (!online()) return { status: "offline", sent };
    }
    return { status: "done", sent, remaining: 0 };
  }

  // One replay at a time across every tab and the service worker. A caller that finds another replay running
  // waits for it and then replays what is left, so nothing is skipped.
  async function drain(options) {
    options = options || {};
    let result;
    try {
      if (scope.navigator && scope.navigator.locks && scope.navigator.locks.request) {
        result = await scope.navigator.locks.request(LOCK_NAME, () => replay(options));
      } else {
        result = await replay(options);
      }
    } catch (err) {
      console.error("outbox replay failed", err);
      result = { status: "retry-later", sent: 0, error: String(err) };
    }
    emit({ type: "drain-end", status: result.status, sent: result.sent || 0 });
    return result;
  }

  // How many of this user's items could be sent now (the service worker keeps Background Sync pending then).
  async function pending(user) {
    const items = await list();
    return user ? retryable(items, user) : items.filter((i) => i.state === "queued").length;
  }

  scope.xwOutbox = {
    DB_NAME, LOCK_NAME, CHANNEL_NAME, STALE_MS,
    openDb, on, emit, getMeta, setMeta,
    enqueueVisit, enqueuePhoto, enqueueConfirmation, promoteDrafts,
    list, getItem, getBlob, remove, removeWithDependents, retry, stats, pending, drain,
    blockedBy, sha256Hex,
  };
})(self);
