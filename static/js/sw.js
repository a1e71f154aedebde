// 小微外勤 service worker: the app shell, the pages a manager needs offline, and the outbox replay on
// Background Sync.
//
// Caches:
// - xw-shell-*: the offline page and the static files (scripts, styles, icons). Served from the cache and
//   refreshed behind the page, so a new version of a file arrives with the next load.
// - xw-pages: full pages of ONE user (the Today page, their merchants, visit forms, pages opened recently).
//   Network first; the copy answers when the network does not. Which user they belong to is read from the
//   page itself (<body data-user>): a page of another user empties the cache first, and so do logging in
//   and out. Only whole pages are kept, never htmx fragments, login pages or redirects.
// - The outbox (IndexedDB, static/js/outbox.js) is replayed here on the `sync` event; the pages replay it
//   on start, on `online` and on a timer. One Web Lock keeps the two from sending the same item.
"use strict";
importScripts("/static/js/outbox.js");

const SHELL_CACHE = "xw-shell-v2";
const PAGES_CACHE = "xw-pages";
const SYNC_TAG = "xw-outbox";
const SHELL_URLS = [
  "/offline",
  "/static/css/app.css",
  "/static/css/sync.css",
  "/static/css/integrity.css",
  "/static/js/app.js",
  "/static/js/outbox.js",
  "/static/vendor/htmx-2.0.11.min.js",
  "/static/icons/icon-192.png",
  "/manifest.webmanifest",
];
// Pages worth keeping offline; anything else (admin, review, login) is only ever fetched.
const CACHEABLE_PAGES = [
  /^\/today\/$/,
  /^\/merchants\/$/,
  /^\/merchants\/\d+$/,
  /^\/merchants\/\d+\/visits\/new$/,
  /^\/visits\/$/,
  /^\/visits\/[0-9a-f-]{36}$/,
  /^\/sync\/$/,
];
const VISIT_FORM = /^\/merchants\/\d+\/visits\/new$/;
const NAVIGATION_PATIENCE_MS = 6000;  // a basement's "connected" network that never answers
const MAX_KEPT_PAGES = 400;  // the day's pages plus those opened recently; the oldest go first
const PRECACHE_EVERY_MS = 6 * 3600 * 1000;  // fetch the day's pages again at least this often
const LISTING_EVERY_MS = 10 * 60 * 1000;  // ask which pages those are at most this often (not on every page)
const outbox = self.xwOutbox;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => Promise.all(SHELL_URLS.map((url) => cache.add(url).catch((err) => console.warn("not cached", url, err)))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("xw-shell-") && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

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
  if (VISIT_FORM.test(url.pathname)) {
    // ?kind=post_loan and friends: one copy of the form serves every kind (the page script picks the kind).
    return cache.match(url.origin + url.pathname, { ignoreVary: true, ignoreSearch: true });
  }
  return undefined;
}

// Network first, the kept copy when the network fails or dawdles.
async function navigate(event) {
  const request = event.request;
  const url = new URL(request.url);
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

async function staticFile(event) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = await cache.match(event.request, { ignoreVary: true });
  const refresh = fetch(event.request).then((response) => {
    if (response.ok && !response.redirected) return cache.put(event.request, response.clone()).then(() => response);
    return response;
  });
  if (hit) {
    event.waitUntil(refresh.catch(() => null));
    return hit;
  }
  return refresh;
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
    }, async () => (await caches.match("/offline")) || Response.error()));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(event));
  }
});

// --- keeping the day's pages -------------------------------------------------------------------------------

async function precache(force, user) {
  const last = await outbox.getMeta("precache");
  if (!force && user && last && last.user === user && Date.now() - last.checkedAt < LISTING_EVERY_MS) {
    return { status: "fresh" };
  }
  const response = await fetch("/sync/offline-pages", { credentials: "same-origin", cache: "no-store" });
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
      const file = await fetch(url, { cache: "no-cache" });
      if (file.ok && !file.redirected) await shell.put(url, file);
    } catch (err) {
      return { status: "offline" };
    }
  }
  let kept = 0;
  for (const url of listing.urls || []) {
    try {
      const page = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
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
  if (self.navigator.locks) {
    return self.navigator.locks.request("xw-precache", { ifAvailable: true }, (lock) => (lock ? run() : { status: "busy" }));
  }
  return run();
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
  }
});

// --- the outbox on Background Sync ---------------------------------------------------------------------------

self.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil((async () => {
    const result = await outbox.drain({ transport: "fetch" });
    // While items that could go remain, the sync must fail so the browser tries again later: resolving it
    // now would leave them waiting for the next app start (FIELD-NOTES).
    if (result.status === "retry-later" || result.status === "offline") {
      const session = await fetch("/sync/session", { credentials: "same-origin", cache: "no-store" })
        .then((r) => r.json()).catch(() => ({ user: null }));
      if (await outbox.pending(session.user || undefined)) throw new Error("outbox items remain");
    }
  })());
});
