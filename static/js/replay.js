// 小微外勤: sending the outbox, xw.replay. Loaded by every page and by the service worker after outbox.js.
//
// - One replay at a time, across the pages and the service worker: one Web Lock. Every network call made
//   while holding it has a timeout, so a server that never answers cannot hold the lock.
// - Before replaying, ask the server who is logged in (/sync/session): only that user's items are sent, with
//   X-Expected-User naming the author, so a session of someone else is refused by the server as well.
// - Oldest first; a photo or confirmation never before its visit, unless the server already has the visit.
// - What an answer means (classify): a 2xx JSON answer, not redirected, is an acknowledgement; 401 waits for a
//   login, and so does a 403 password_change_required (an administrator requires a new password: the session
//   stands but answers nothing until the person chooses one); the API's refusals (JSON 4xx) and a proxy's error page for a 4xx (413, 400, 404) are refusals the
//   person decides about; 408, 429, 407, 511 (a portal), 5xx, a network error or a redirect are tried again.
// - An item the server fails on (or that timed out while the server answers) is skipped for the rest of the
//   round, so the items behind it flow. Each failure the server answered while /sync/session still answered
//   is a strike against the item itself; after STUCK_AFTER strikes it steps aside ("stuck") until the person
//   retries or discards it.
// - Network errors back off 0.25 s doubling to 8 s, asking /sync/session again, then give up this round (a
//   timer, the next start, the `online` event or Background Sync start the next one).
(function (scope) {
  "use strict";

  const xw = scope.xw;
  const outbox = xw.outbox;
  const LOCK_NAME = "xw-outbox-send";
  const FIRST_DELAY_MS = 250;
  const MAX_DELAY_MS = 8000;
  const SESSION_TIMEOUT_MS = 10000;
  const JSON_TIMEOUT_MS = 30000;
  const STUCK_AFTER = 4;
  const PORTAL_STATUSES = [407, 408, 429, 511];
  const PASSWORD_CHANGE = "password_change_required";

  function isJson(contentType) {
    return /^application\/([\w.+-]*\+)?json\b/i.test(contentType || "");
  }

  function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

  function online() { return scope.navigator.onLine !== false; }

  function backoff(failures) { return FIRST_DELAY_MS * Math.pow(2, failures - 1); }

  // Who is logged in, and a CSRF token of that live session (a page cached hours ago has a stale one).
  async function session() {
    const response = await xw.util.fetchWithTimeout("/sync/session", {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    }, SESSION_TIMEOUT_MS);
    if (response.status === 403 && !response.redirected && isJson(response.headers.get("Content-Type"))) {
      const refusal = await response.json().catch(() => ({}));
      // Signed in, but nothing is answered until the person chooses a new password: like a login, it waits.
      if (refusal.error === PASSWORD_CHANGE) return { user: null, csrf: "", passwordChange: true };
    }
    if (!response.ok || response.redirected || !isJson(response.headers.get("Content-Type"))) {
      throw new Error("no session answer (" + response.status + ")");
    }
    const body = await response.json();
    return { user: body.user || null, csrf: body.csrf_token || "" };
  }

  // `online` and even `sync` fire before the network is really usable: a failed question backs off like a
  // failed item before this round gives up. A question that timed out has waited long enough. With patience
  // (a sync event, which the browser fires again only minutes later) even "offline" is waited out a while:
  // the worker may hear of the network after the browser did.
  async function askSession(patienceMs) {
    const deadline = Date.now() + (patienceMs || MAX_DELAY_MS * 2);
    for (let failures = 1; ; failures += 1) {
      const delay = Math.min(backoff(failures), MAX_DELAY_MS);
      if (!online()) {
        if (!patienceMs || Date.now() + delay > deadline) return { status: "offline" };
        await sleep(delay);
        continue;
      }
      try {
        return { session: await session() };
      } catch (err) {
        if (String(err && err.message) === "timeout" || Date.now() + delay > deadline) return { status: "retry-later" };
        await sleep(delay);
      }
    }
  }

  function headersFor(item, csrf) {
    const headers = {
      Accept: "application/json",
      "X-CSRFToken": csrf,
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
    const blob = await outbox.getBlob(item.id);
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

  // The <title> of a proxy's or portal's page: the one line of it worth showing as the reason.
  function titleOf(text) {
    const match = /<title[^>]*>([^<]{1,160})/i.exec(text || "");
    return match ? match[1].replace(/\s+/g, " ").trim() : "";
  }

  async function sendWithFetch(item, headers, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutFor(item));
    try {
      const response = await fetch(item.url, {
        method: "PUT", headers, body, credentials: "same-origin", cache: "no-store", signal: controller.signal,
      });
      const contentType = response.headers.get("Content-Type") || "";
      const text = await response.text();
      let json = null;
      if (isJson(contentType)) { try { json = JSON.parse(text); } catch (err) { json = null; } }
      return { status: response.status, redirected: response.redirected, json, contentType, title: titleOf(text) };
    } catch (err) {
      return { status: 0, error: err && err.name === "AbortError" ? "timeout" : "network" };
    } finally {
      clearTimeout(timer);
    }
  }

  // XMLHttpRequest where there is one (pages): fetch reports no upload progress, and a photo deserves a bar.
  function sendWithXhr(item, headers, body) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      let idle = null;
      const armIdle = () => { clearTimeout(idle); idle = setTimeout(() => xhr.abort(), 45000); };
      const overall = setTimeout(() => xhr.abort(), timeoutFor(item));
      const done = (result) => { clearTimeout(idle); clearTimeout(overall); resolve(result); };
      xhr.open("PUT", item.url);
      Object.keys(headers).forEach((name) => xhr.setRequestHeader(name, headers[name]));
      let lastEmit = 0;
      xhr.upload.addEventListener("progress", (event) => {
        armIdle();
        const now = Date.now();
        if (event.lengthComputable && (now - lastEmit > 100 || event.loaded === event.total)) {
          lastEmit = now;
          outbox.emit({ type: "progress", id: item.id, loaded: event.loaded, total: event.total });
        }
      });
      xhr.addEventListener("load", () => {
        const contentType = xhr.getResponseHeader("Content-Type") || "";
        let json = null;
        if (isJson(contentType)) { try { json = JSON.parse(xhr.responseText); } catch (err) { json = null; } }
        const finalUrl = xhr.responseURL ? new URL(xhr.responseURL, scope.location.href).pathname : null;
        done({ status: xhr.status, redirected: finalUrl !== null && finalUrl !== item.url, json, contentType,
               title: titleOf(xhr.responseText) });
      });
      xhr.addEventListener("error", () => done({ status: 0, error: "network" }));
      xhr.addEventListener("abort", () => done({ status: 0, error: "timeout" }));
      armIdle();
      xhr.send(body);
    });
  }

  // What a response means for the item: ack, refused, login, csrf, or retry (strike: the server answered).
  function classify(result) {
    const status = result.status;
    const json = result.json || {};
    const message = typeof json.message === "string" ? json.message : "";
    const jsonAnswer = isJson(result.contentType) && result.json !== null;
    if (status === 0) return { outcome: "retry", status, code: result.error || "network", message: "" };
    if (result.redirected) return { outcome: "retry", status, code: "redirected", message: "", strike: true };
    if (status >= 200 && status < 300) {
      return jsonAnswer ? { outcome: "ack", status, json: result.json }
        : { outcome: "retry", status, code: "not_json", message: "", strike: true, detail: result.title };
    }
    if (status === 401) return { outcome: "login", status, code: json.error || "unauthenticated", message };
    if (status === 403 && jsonAnswer && json.error === PASSWORD_CHANGE) {
      return { outcome: "login", status, code: PASSWORD_CHANGE, message };
    }
    if (status === 400 && json.error === "csrf") return { outcome: "csrf", status, code: "csrf", message };
    if (PORTAL_STATUSES.includes(status) || (jsonAnswer && json.retryable === true)) {
      return { outcome: "retry", status, code: json.error || "later", message };
    }
    if (status >= 500) return { outcome: "retry", status, code: json.error || "server", message, strike: true, detail: result.title };
    if (!jsonAnswer) {
      // Not the API speaking, but a proxy or gateway refusing this request (a 413 for a large photo): it will
      // refuse it again. Shown with its reason; the person decides.
      return { outcome: "refused", status, code: "network_refused", message: "", detail: result.title };
    }
    return { outcome: "refused", status, code: json.error || String(status), message, fields: json.fields || null,
             etag: json.etag || null };
  }

  async function sendItem(item, csrf, transport) {
    const body = await bodyFor(item);
    if (body === null) return { outcome: "refused", status: 0, code: "missing_photo", message: "" };
    const headers = headersFor(item, csrf);
    const useXhr = transport === "xhr" && item.kind === "photo" && typeof XMLHttpRequest === "function";
    return classify(useXhr ? await sendWithXhr(item, headers, body) : await sendWithFetch(item, headers, body));
  }

  function errorOf(verdict) {
    return { status: verdict.status, code: verdict.code || "", message: verdict.message || "",
             fields: verdict.fields || null, etag: verdict.etag || null, detail: verdict.detail || "", at: Date.now() };
  }

  async function acknowledged(item, verdict, user) {
    await outbox.removeSent(item);
    await outbox.setMeta("lastSuccess:" + user, Date.now());
    outbox.emit({ type: "sent", id: item.id, kind: item.kind, visitId: item.visitId, status: verdict.status,
                  response: verdict.json });
  }

  async function refused(item, verdict) {
    // A 409 for a visit: the server has this visit (in another version). What waits for it may go to it.
    const serverHas = item.kind === "visit" && verdict.status === 409;
    await outbox.updateItem(item.id, (i) => {
      Object.assign(i, { state: "refused", attempts: i.attempts + 1, lastError: errorOf(verdict) });
      if (serverHas) i.serverHas = true;
    });
    outbox.emit({ type: "refused", id: item.id, kind: item.kind, visitId: item.visitId, status: verdict.status,
                  code: verdict.code, message: verdict.message, fields: verdict.fields || null, detail: verdict.detail || "" });
  }

  // A failed attempt; a strike when the failure is the item's own (the server answered, and still answers).
  async function failed(item, verdict, reachable) {
    const strike = Boolean(verdict.strike && reachable);
    const marked = await outbox.updateItem(item.id, (i) => {
      i.attempts += 1;
      i.lastError = errorOf(verdict);
      if (strike) i.strikes = (i.strikes || 0) + 1;
      if (i.strikes >= STUCK_AFTER) i.state = "stuck";
    });
    const stuck = Boolean(marked && marked.state === "stuck");
    outbox.emit({ type: stuck ? "stuck" : "retrying", id: item.id, status: verdict.status, code: verdict.code });
  }

  // The queue waits for the person: to log in again, or (passwordChange) to choose the new password an
  // administrator requires. Nothing is refused or dropped meanwhile.
  async function loginNeeded(author, passwordChange) {
    const needed = { at: Date.now(), author: author || null, passwordChange: Boolean(passwordChange) };
    await outbox.setMeta("loginNeeded", needed);
    outbox.emit({ type: "login-needed", author: needed.author, passwordChange: needed.passwordChange });
  }

  async function replay(options) {
    const transport = options.transport || "fetch";
    // Another tab or the worker may have sent everything while this one waited for the lock.
    if (!(await outbox.pending())) return { status: "done", sent: 0 };
    const asked = await askSession(options.patienceMs);
    if (!asked.session) return { status: asked.status, sent: 0 };
    let current = asked.session;
    if (!current.user) {
      await loginNeeded(null, current.passwordChange);
      return { status: "login", sent: 0 };
    }
    if (await outbox.getMeta("loginNeeded")) {
      await outbox.setMeta("loginNeeded", undefined);
      outbox.emit({ type: "changed" });
    }
    const skipped = new Set(); // failed in this round: the others go first
    let failures = 0;
    let sent = 0;
    let csrfRefreshed = false;
    for (;;) {
      const next = outbox.sendable(await outbox.list(), current.user).find((i) => !skipped.has(i.id));
      if (!next) break;
      outbox.emit({ type: "sending", id: next.id, kind: next.kind, size: next.size || 0 });
      const verdict = await sendItem(next, current.csrf, transport);
      if (verdict.outcome === "ack") {
        await acknowledged(next, verdict, current.user);
        sent += 1;
        failures = 0;
        continue;
      }
      if (verdict.outcome === "refused") {
        await refused(next, verdict);
        continue;
      }
      if (verdict.outcome === "csrf" && !csrfRefreshed) {
        csrfRefreshed = true; // a token from an older session: ask once more, then count it as a failure
        const again = await askSession(options.patienceMs);
        if (!again.session) return { status: again.status, sent };
        current = again.session;
        if (current.user) continue;
        verdict.outcome = "login";
        if (current.passwordChange) verdict.code = PASSWORD_CHANGE;
      }
      if (verdict.outcome === "login") {
        await outbox.updateItem(next.id, (i) => { i.attempts += 1; i.lastError = errorOf(verdict); });
        await loginNeeded(next.author, verdict.code === PASSWORD_CHANGE);
        return { status: "login", sent };
      }
      failures += 1;
      const delay = backoff(failures);
      const probe = delay > MAX_DELAY_MS || !online() ? { status: "offline" } : await askSession();
      await failed(next, verdict, Boolean(probe.session));
      if (!probe.session) return { status: online() ? "retry-later" : "offline", sent };
      // The server answers: an item it fails on, or one that timed out meanwhile, lets the others go first.
      if (verdict.strike || verdict.code === "timeout") skipped.add(next.id);
      await sleep(delay);
    }
    const remaining = outbox.sendable(await outbox.list(), current.user).length;
    return { status: remaining ? "retry-later" : "done", sent, remaining };
  }

  // One replay at a time across every tab and the service worker. A caller that finds another replay running
  // waits for it and then replays what is left, so nothing is skipped.
  async function drain(options) {
    options = options || {};
    let result;
    try {
      result = await scope.navigator.locks.request(LOCK_NAME, () => replay(options));
    } catch (err) {
      xw.util.report(err);
      result = { status: "retry-later", sent: 0, error: String(err) };
    }
    outbox.emit({ type: "drain-end", status: result.status, sent: result.sent || 0 });
    return result;
  }

  xw.replay = { LOCK_NAME, STUCK_AFTER, drain, session, askSession, classify };
})(self);
