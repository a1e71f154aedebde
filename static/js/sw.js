// 小微外勤 service worker: the app shell, the pages a manager needs offline, and the outbox replay on
// Background Sync. Served at /sw.js by webapp/pwa/routes.py, which puts self.XW_BUILD in front of this file:
// { imports: [the outbox scripts], shell: [the shell's URLs] }, every static URL content-hashed
// (webapp/static_assets.py). A change of any shell file changes this script, so the browser installs it anew.
//
// Caches:
// - xw-shell: the offline page and the static files, each under its hashed URL, which names exactly one
//   content: kept as long as it is in use, never fetched twice. A file is kept only when its answer is a 200
//   of the content type its name says (a portal's HTML page is not a script). A page kept from an older
//   version asks for older names: the same file under another hash answers then.
// - xw-pages: full pages of ONE user (the Today page, their merchants, visit forms, pages opened recently).
//   Network first; the copy answers when the network does not. Which user they belong to is read from the
//   page itself (<body data-user>): a page of another user empties the cache first, and so do logging in
//   and out. Only whole pages are kept, never htmx fragments, login pages or redirects.
// - The outbox (IndexedDB, static/js/outbox.js) is replayed here on the `sync` event (replay.js); the pages
//   replay it on start, on `online` and on a timer. One Web Lock keeps the two from sending the same item.
"use strict";
importScripts(...self.XW_BUILD.imports);

const SHELL_CACHE = "xw-shell";
const PAGES_CACHE = "xw-pages";
const SYNC_TAG = "xw-outbox";
const SHELL_URLS = self.XW_BUILD.shell;
// Pages worth keeping offline; anything else (admin, review, login) is only ever fetched.
const CACHEABLE_PAGES = [
  /^\/today\/$/,
  /^\/merchants\/$/,
  /^\/merchants\/\d+$/,
  /^\/merchants\/\d+\/visits\/new$/,
  /^\/visits\/$/,
  /^\/visits\/[0-9a-f-]{36}$/,
  /^\/sync\/$/,
  // The field records' forms (webapp.channels, webapp.market): a lead at an activity, a peer record, survey answers.
  /^\/channels\/activities\/\d+\/leads\/new$/,
  /^\/market\/peers\/new$/,
  /^\/market\/surveys\/\d+\/answer$/,
  /^\/more$/,
];
const VISIT_FORM = /^\/merchants\/\d+\/visits\/new$/;
// Forms opened with a query (?merchant=) that one kept copy answers: their script reads the URL or mints its ids.
const ANY_QUERY_FORMS = [VISIT_FORM, /^\/market\/peers\/new$/, /^\/market\/surveys\/\d+\/answer$/];
const HASHED = /^(.+)\.[0-9a-f]{12}(\.[A-Za-z0-9]+)$/;
const TYPES = {
  js: /javascript/, css: /^text\/css/, png: /^image\/png/, svg: /^image\/svg\+xml/, jpg: /^image\/jpeg/,
  woff2: /^(font\/woff2|application\/font-woff2)/, json: /json/, webmanifest: /json/,
};
const NAVIGATION_PATIENCE_MS = 6000;  // a basement's "connected" network that never answers
const FETCH_TIMEOUT_MS = 30000;  // what the worker fetches on its own (lists, files, pages)
const MAX_KEPT_PAGES = 400;  // the day's pages plus those opened recently; the oldest go first
const PRECACHE_EVERY_MS = 6 * 3600 * 1000;  // fetch the day's pages again at least this often
const LISTING_EVERY_MS = 10 * 60 * 1000;  // ask which pages those are at most this often (not on every page)
const SYNC_PATIENCE_MS = 60000;  // a sync event may take minutes; the network may take a while to be usable
const outbox = self.xw.outbox;
const timed = (url, options) => self.xw.util.fetchWithTimeout(url, options, FETCH_TIMEOUT_MS);

// --- the shell -------------------------------------------------------------------------------------------

function logicalPath(pathname) {
  const match = HASHED.exec(pathname);
  return match ? match[1] + match[2] : pathname;
}

// A 200 of the type the name says: anything else (a portal's page, a proxy's error) is never kept.
function fitsName(pathname, response) {
  if (!response || response.status !== 200 || response.redirected || response.type === "opaqueredirect") return false;
  const type = response.headers.get("Content-Type") || "";
  const extension = (/\.([A-Za-z0-9]+)$/.exec(pathname) || [])[1];
  const wanted = TYPES[(extension || "").toLowerCase()];
  if (wanted) return wanted.test(type);
  return pathname.startsWith("/static/") ? !/^text\/html/.test(type) : /^text\/html/.test(type) || /json/.test(type);
}

// Fetches and keeps one shell file unless an answer of the right kind is kept already (hashed: for good).
async function keepShellFile(cache, url, reload) {
  if (!reload && HASHED.test(new URL(url, self.location.origin).pathname) && await cache.match(url)) return true;
  const response = await timed(url, { cache: reload ? "reload" : "default", credentials: "same-origin" });
  if (!fitsName(new URL(response.url || url, self.location.origin).pathname, response)) return false;
  await cache.put(url, response);
  return true;
}

async function keepShell(reload) {
  const cache = await caches.open(SHELL_CACHE);
  const results = await Promise.all(SHELL_URLS.map((url) => keepShellFile(cache, url, reload).catch(() => false)));
  return results.every(Boolean);
}

// Static files of older versions go once the files in use are kept: those not named by `current`.
async function pruneShell(current) {
  const keep = new Set(current.map((url) => new URL(url, self.location.origin).pathname));
  const cache = await caches.open(SHELL_CACHE);
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (path.startsWith("/static/") && !keep.has(path)) await cache.delete(request);
  }
}

// The same file under another hash: what a page kept from an older version is served when its own is gone.
async function sameFile(cache, pathname) {
  const wanted = logicalPath(pathname);
  for (const request of await cache.keys()) {
    if (logicalPath(new URL(request.url).pathname) === wanted) return cache.match(request);
  }
  return undefined;
}

self.addEventListener("install", (event) => {
  event.waitUntil(keepShell(false).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("xw-shell-")).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

// The page found a file of the app broken: drop any kept file that is not what its name says (a worker of an
// older version kept any 200), fetch the shell again past every HTTP cache, and replace what comes back right.
// Good copies stay until then: a portal still in the way must not cost the phone its offline shell.
async function repairShell() {
  const cache = await caches.open(SHELL_CACHE);
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (path.startsWith("/static/") && !fitsName(path, await cache.match(request))) await cache.delete(request);
  }
  await outbox.setMeta("precache", undefined);
  return keepShell(true);
}

async function staticFile(request) {
  const url = new URL(request.url);
  const cache = await caches.open(SHELL_CACHE);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit && HASHED.test(url.pathname)) return hit;
  let response;
  try {
    response = await fetch(request);
  } catch (err) {
    const kept = hit || await sameFile(cache, url.pathname);
    if (kept) return kept;
    throw err;
  }
  if (fitsName(url.pathname, response)) {
    await cache.put(request, response.clone());
    return response;
  }
  // Not the file (a portal's page, a proxy's error): a kept copy of the file is better; failing that, the
  // answer itself, which the page reports as a broken shell.
  return hit || (await sameFile(cache, url.pathname)) || response;
}

// --- whose pages ------------------------------------------------------------------------------------------

function pageUser(html) {
  const match = /<body\b[^>]*\sdata-user="([^"]*)"/.exec(html);
  return match ? match[1] : null;
}

// Every change to the pages cache runs in this one queue, and every clearing starts a new generation: a page
// whose request began before a login or logout is dropped instead of landing in the next user's cache.
let generation = 0;
let pagesQueue = Promise.resolve();

function serial(task) {
  const run = pagesQueue.then(task, task);
  pagesQueue = run.catch(() => null);
  return run;
}

async function emptyPages(newOwner) {
  generation += 1;
  await caches.delete(PAGES_CACHE);
  await outbox.setMeta("pageOwner", newOwner || "");
  await outbox.setMeta("precache", undefined);
}

function clearPages(newOwner) {
  return serial(() => emptyPages(newOwner));
}

// The pages cache holds one user's pages: another user's page empties it first. Returns the generation.
function claimPages(user) {
  return serial(async () => {
    if ((await outbox.getMeta("pageOwner")) !== user) await emptyPages(user);
    return generation;
  });
}

function cacheablePath(url) {
  return url.origin === self.location.origin && CACHEABLE_PAGES.some((re) => re.test(url.pathname));
}

// Keeps a copy of a whole page of a logged-in user, unless the cache changed hands since the request began.
async function keepPage(url, response, startedGeneration) {
  if (!response || !response.ok || response.redirected || response.status !== 200) return false;
  if (!(response.headers.get("Content-Type") || "").startsWith("text/html")) return false;
  if (!cacheablePath(new URL(url))) return false;
  const user = pageUser(await response.clone().text());
  if (!user) return false;
  return serial(async () => {
    if (startedGeneration !== generation) return false;
    if ((await outbox.getMeta("pageOwner")) !== user) await emptyPages(user);
    const cache = await caches.open(PAGES_CACHE);
    await cache.delete(url, { ignoreVary: true });  // re-inserted last: the most recently kept
    await cache.put(url, response);
    const keys = await cache.keys();
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_KEPT_PAGES))) await cache.delete(old);
    return true;
  });
}

async function cachedPage(request) {
  const url = new URL(request.url);
  const cache = await caches.open(PAGES_CACHE);
  const exact = await cache.match(request, { ignoreVary: true });
  if (exact) return exact;
  if (ANY_QUERY_FORMS.some((re) => re.test(url.pathname))) {
    // ?kind=post_loan, ?correct=<id> and friends: one copy of the form serves them all (the page script reads the URL).
    return cache.match(url.origin + url.pathname, { ignoreVary: true, ignoreSearch: true });
  }
  return undefined;
}

// Network first, the kept copy when the network fails or dawdles. ?repair=1 (the broken-shell warning's link)
// fetches the app's files again first.
async function navigate(event) {
  const request = event.request;
  const url = new URL(request.url);
  if (url.searchParams.has("repair")) await repairShell().catch(() => false);
  const startedGeneration = generation;
  const fromNetwork = fetch(request).then((response) => {
    if (cacheablePath(url)) {
      event.waitUntil(keepPage(request.url, response.clone(), startedGeneration).catch(() => false));
    }
    return response;
  });
  const copy = cacheablePath(url) ? await cachedPage(request) : undefined;
  if (!copy) {
    return fromNetwork.catch(async () => (await caches.match("/offline")) || Response.error());
  }
  const patience = new Promise((resolve) => setTimeout(() => resolve(null), NAVIGATION_PATIENCE_MS));
  const first = await Promise.race([fromNetwork.catch(() => null), patience]);
  return first || copy;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && (url.pathname === "/logout" || url.pathname === "/login")) {
    // A user leaves or arrives: the previous user's pages must not be shown offline to anyone else. Only once
    // the server agreed (its redirect): a failed attempt, or one with no network, keeps the day's pages.
    event.respondWith(fetch(request).then(async (response) => {
      if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
        await clearPages("");
      }
      return response;
    }, async () => {
      // No network: a logout (sent by fetch from the page, app.js) must fail so the page can say so; a login
      // navigation gets the offline page.
      if (url.pathname === "/logout") return Response.error();
      return (await caches.match("/offline")) || Response.error();
    }));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  }
});

// --- keeping the day's pages -------------------------------------------------------------------------------

async function precache(force, user) {
  const last = await outbox.getMeta("precache");
  if (!force && user && last && last.user === user && Date.now() - last.checkedAt < LISTING_EVERY_MS) {
    return { status: "fresh" };
  }
  const response = await timed("/sync/offline-pages", { credentials: "same-origin", cache: "no-store" });
  if (!response.ok || response.redirected) return { status: "skipped" };
  const listing = await response.json();
  if (!listing.user) return { status: "skipped" };
  const startedGeneration = await claimPages(listing.user);
  const fresh = last && last.user === listing.user && last.version === listing.version &&
    Date.now() - last.at < PRECACHE_EVERY_MS;
  if (fresh && !force) {
    await outbox.setMeta("precache", Object.assign({}, last, { checkedAt: Date.now() }));
    return { status: "fresh" };
  }
  const shell = await caches.open(SHELL_CACHE);
  for (const url of listing.assets || []) {
    try {
      await keepShellFile(shell, url, false);
    } catch (err) {
      return { status: "offline" };
    }
  }
  await pruneShell(listing.assets.concat(SHELL_URLS));
  let kept = 0;
  for (const url of listing.urls || []) {
    try {
      const page = await timed(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (await keepPage(new URL(url, self.location.origin).href, page, startedGeneration)) kept += 1;
      if (startedGeneration !== generation) return { status: "stopped", kept };  // a login or logout since
    } catch (err) {
      return { status: "offline", kept };
    }
  }
  if (startedGeneration === generation) {
    await outbox.setMeta("precache", { user: listing.user, version: listing.version, at: Date.now(),
                                       checkedAt: Date.now(), kept });
  }
  outbox.emit({ type: "precached", user: listing.user, kept });
  return { status: "done", kept };
}

function precacheOnce(force, user) {
  const run = () => precache(force, user).catch((err) => ({ status: "failed", error: String(err) }));
  return self.navigator.locks.request("xw-precache", { ifAvailable: true }, (lock) => (lock ? run() : { status: "busy" }));
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "page") {
    // A page of a logged-in user opened (app start): keep that user's day on the phone.
    event.waitUntil((data.user ? claimPages(data.user).then(() => precacheOnce(false, data.user)) : Promise.resolve()));
  } else if (data.type === "logout") {
    event.waitUntil(clearPages(""));
  } else if (data.type === "precache") {
    event.waitUntil(precacheOnce(true));
  } else if (data.type === "repair") {
    event.waitUntil(repairShell().then((whole) => outbox.emit({ type: "repaired", whole })));
  }
});

// --- the outbox on Background Sync ---------------------------------------------------------------------------

self.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil((async () => {
    const result = await self.xw.replay.drain({ transport: "fetch", patienceMs: SYNC_PATIENCE_MS });
    // While items that could go remain, the sync must fail so the browser tries again later: resolving it
    // now would leave them waiting for the next app start (FIELD-NOTES).
    if (result.status === "retry-later" || result.status === "offline") {
      const asked = await self.xw.replay.askSession();
      if (await outbox.pending(asked.session ? asked.session.user || undefined : undefined)) {
        throw new Error("outbox items remain");
      }
    }
  })());
});

// --- Web Push (webapp/push, static/js/push.js) ---------------------------------------------------------------

// What the server pushes: { title, body, url, tag } (text only; shown as text by the system).
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (err) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const options = { body: String(data.body || ""), data: { url: String(data.url || "/inbox/") },
                    icon: "/static/icons/icon-192.png", lang: "zh-CN" };
  if (data.tag) options.tag = String(data.tag);
  event.waitUntil(self.registration.showNotification(String(data.title || "小微外勤"), options));
});

// A tap opens the page the push names, in a window of the app if one is open; only this site's pages.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || "/inbox/", self.location.origin);
  if (url.origin !== self.location.origin) return;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    for (const client of windows) {
      if ("navigate" in client && "focus" in client) return client.navigate(url.href).then((c) => (c || client).focus());
    }
    return self.clients.openWindow(url.href);
  }));
});
