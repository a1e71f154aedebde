// 小微外勤: the journal, xw.journal: what this phone holds that the server may not have, kept where a wipe of
// the site's storage does not reach, so that a wiped outbox reads "items recorded on this phone are missing",
// never "all sent".
//
// Browsers delete a site's IndexedDB under storage pressure when persistence was refused (Chromium, Firefox),
// and Safari after seven days without a visit unless the app is on the home screen. They leave its cookies.
// So after every change of the outbox the ids of the items it holds go into a cookie (ids only, no names;
// authors as a short hash), together with the outbox database's generation. A database with another
// generation than the cookie names is a new one: the cookie's items were on the phone and are gone. The
// server is asked which of them it has (POST /sync/known, the user's own records only); the rest are missing,
// and the badge and the sync page say so until the person has read it.
//
// Cookie "xw_journal" (with the port, if any): 1.<generation>.<author tag>:<entries>[*<more>]... with one entry per item: v (visit),
// p (photo), c (confirmation), l (lead), r (peer record) or s (survey answers), then the record's UUID in 22
// base64url characters. At most MAX_ENTRIES are
// named (visits first); the rest are counted (*n). Meta "lost": { at, groups: { tag: { entries, more } } }.
(function (scope) {
  "use strict";

  const xw = scope.xw;
  // One journal per origin: cookies are shared by every port of a host, outboxes are not.
  const COOKIE = "xw_journal" + (scope.location.port ? "_" + scope.location.port : "");
  const MAX_ENTRIES = 120;
  const YEAR_S = 365 * 86400;
  const KINDS = { visit: "v", photo: "p", confirmation: "c", lead: "l", peer: "r", survey: "s" };
  const KIND_ORDER = "vclrsp";
  const KNOWN_TIMEOUT_MS = 15000;
  const tags = new Map();

  // --- encoding ---------------------------------------------------------------------------------------

  function b64url(bytes) {
    return btoa(String.fromCharCode.apply(null, Array.from(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function uuidToken(uuid) {
    const hex = String(uuid).replace(/-/g, "");
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i += 1) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    return b64url(bytes);
  }

  function tokenUuid(token) {
    const binary = atob(token.replace(/-/g, "+").replace(/_/g, "/") + "==");
    const hex = Array.from(binary, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join("-");
  }

  // Six characters of the author's name hashed: which entries are whose, without naming anyone.
  async function tagOf(username) {
    if (!tags.has(username)) {
      const digest = await scope.crypto.subtle.digest("SHA-256", new TextEncoder().encode(username));
      tags.set(username, b64url(new Uint8Array(digest)).slice(0, 6));
    }
    return tags.get(username);
  }

  function generationMark(generation) {
    return String(generation).replace(/[^0-9a-f]/gi, "").slice(0, 12);
  }

  async function encode(generation, items) {
    const groups = {};
    for (const item of items) {
      const kind = KINDS[item.kind];
      if (!kind) continue;
      const tag = await tagOf(item.author);
      (groups[tag] = groups[tag] || []).push(kind + uuidToken(item.recordId));
    }
    let room = MAX_ENTRIES;
    const parts = ["1", generationMark(generation)];
    Object.keys(groups).forEach((tag) => {
      const entries = groups[tag].sort((a, b) => KIND_ORDER.indexOf(a[0]) - KIND_ORDER.indexOf(b[0]));
      const named = entries.slice(0, Math.max(0, room));
      room -= named.length;
      const more = entries.length - named.length;
      parts.push(tag + ":" + named.join("") + (more ? "*" + more : ""));
    });
    return parts.join(".");
  }

  function decode(value) {
    const parts = String(value || "").split(".");
    if (parts[0] !== "1" || parts.length < 2) return null;
    const groups = {};
    parts.slice(2).forEach((part) => {
      const match = /^([\w-]{6}):([\w-]*?)(?:\*(\d+))?$/.exec(part);
      if (!match) return;
      const entries = (match[2].match(/[vpclrs][\w-]{22}/g) || []).map((e) => ({ kind: e[0], id: tokenUuid(e.slice(1)) }));
      groups[match[1]] = { entries, more: parseInt(match[3] || "0", 10) };
    });
    return { generation: parts[1], groups };
  }

  function countOf(groups) {
    return Object.keys(groups).reduce((n, tag) => n + groups[tag].entries.length + groups[tag].more, 0);
  }

  // --- the cookie ---------------------------------------------------------------------------------------------

  async function readCookie() {
    if (scope.document) {
      const match = ("; " + scope.document.cookie).match(new RegExp("; " + COOKIE + "=([^;]*)"));
      return match ? decode(match[1]) : null;
    }
    if (scope.cookieStore) {
      const cookie = await scope.cookieStore.get(COOKIE);
      return cookie ? decode(cookie.value) : null;
    }
    return undefined; // a worker that cannot read cookies: leave the journal to the pages
  }

  async function writeCookie(value) {
    if (scope.document) {
      const secure = scope.location.protocol === "https:" ? "; secure" : "";
      scope.document.cookie = COOKIE + "=" + value + "; path=/; max-age=" + YEAR_S + "; samesite=strict" + secure;
    } else if (scope.cookieStore) {
      await scope.cookieStore.set({ name: COOKIE, value, path: "/", expires: Date.now() + YEAR_S * 1000, sameSite: "strict" });
    }
  }

  async function generation() {
    let value = await xw.outbox.getMeta("generation");
    if (!value) {
      // An outbox made before generations existed.
      value = xw.util.randomId();
      await xw.outbox.setMeta("generation", value);
    }
    return value;
  }

  // Every change of the lost list is read, changed and written in turn (one page's verify, reconcile and
  // dismiss must not write back what another has just removed). `change` edits the list in place and says
  // whether to write it.
  let lostChanges = Promise.resolve();
  function changeLost(change) {
    const run = lostChanges.then(async () => {
      const lost = (await xw.outbox.getMeta("lost")) || { at: Date.now(), groups: {}, dismissed: [] };
      lost.dismissed = lost.dismissed || [];
      if (!change(lost)) return;
      await xw.outbox.setMeta("lost", lost);
      xw.outbox.emit({ type: "changed" });
    });
    lostChanges = run.catch(() => null);
    return run;
  }

  // The items a cookie of another database named are lost from this phone: remembered until read. A group
  // its person has read is never taken again from that cookie (a page or the service worker may still be
  // reconciling with it while the person taps "read").
  function rememberLost(cookie) {
    return changeLost((lost) => {
      Object.keys(cookie.groups).forEach((tag) => {
        if (lost.dismissed.includes(cookie.generation + ":" + tag)) return;
        const group = lost.groups[tag] || { entries: [], more: 0, from: [] };
        group.from = group.from || [];
        const seen = new Set(group.entries.map((e) => e.kind + e.id));
        cookie.groups[tag].entries.forEach((e) => { if (!seen.has(e.kind + e.id)) group.entries.push(e); });
        if (!group.from.includes(cookie.generation)) {
          group.more += cookie.groups[tag].more;
          group.from.push(cookie.generation);
        }
        if (group.entries.length || group.more) lost.groups[tag] = group;
      });
      lost.at = Date.now();
      return true;
    });
  }

  // Compares the cookie with this database, notes what was lost, and writes the journal of this database.
  async function reconcile() {
    const current = await generation();
    const cookie = await readCookie();
    if (cookie === undefined) return;
    if (cookie && cookie.generation !== generationMark(current) && countOf(cookie.groups) > 0) {
      await rememberLost(cookie);
    }
    await writeCookie(await encode(current, await xw.outbox.list()));
  }

  // After each change of the outbox, before the change counts as done (outbox.js onChange). Calls made while a
  // write runs share the one write that follows it, which sees all of their changes.
  let writing = null;
  let next = null;
  function record() {
    if (next) return next;
    const start = () => {
      next = null;
      writing = reconcile().finally(() => { writing = null; });
      return writing;
    };
    next = (writing || Promise.resolve()).catch(() => null).then(start);
    return next;
  }

  // --- asking the server -----------------------------------------------------------------------------------------

  // Which of these ids the server has for the logged-in user: { visits: [...], photos: [...], confirmations: [...],
  // leads: [...], peer_records: [...], survey_responses: [...] }.
  async function known(ids, csrf) {
    const response = await xw.util.fetchWithTimeout("/sync/known", {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(ids),
    }, KNOWN_TIMEOUT_MS);
    if (!response.ok || response.redirected || !/json/.test(response.headers.get("Content-Type") || "")) {
      throw new Error("no answer from /sync/known (" + response.status + ")");
    }
    return response.json();
  }

  const KIND_KEYS = { v: "visits", p: "photos", c: "confirmations", l: "leads", r: "peer_records", s: "survey_responses" };

  // Drops from the lost list what the server has after all (an acknowledgement lost on the way back) and marks
  // the rest as checked; photos left as drafts beside a visit the server has are queued for it.
  async function verify(user, csrf) {
    const tag = await tagOf(user);
    const lost = await xw.outbox.getMeta("lost");
    const group = lost && lost.groups[tag];
    const drafts = (await xw.outbox.list()).filter((i) => i.author === user && i.state === "draft");
    const ask = { visits: drafts.map((i) => i.visitId), photos: [], confirmations: [], leads: [], peer_records: [],
                  survey_responses: [] };
    (group ? group.entries : []).forEach((e) => ask[KIND_KEYS[e.kind]].push(e.id));
    if (!Object.keys(ask).some((key) => ask[key].length)) return;
    const answer = await known(ask, csrf);
    const has = new Set();
    Object.keys(KIND_KEYS).forEach((kind) => (answer[KIND_KEYS[kind]] || []).forEach((id) => has.add(kind + id)));
    for (const visitId of new Set(drafts.map((i) => i.visitId))) {
      if (has.has("v" + visitId)) await xw.outbox.visitSaved(visitId);
    }
    if (!group) return;
    await changeLost((fresh) => {
      const now = fresh.groups[tag];
      if (!now) return false; // read meanwhile
      now.entries = now.entries.filter((e) => !has.has(e.kind + e.id)).map((e) => Object.assign(e, { checked: true }));
      if (!now.entries.length && !now.more) delete fresh.groups[tag];
      return true;
    });
  }

  // What this user lost: counts per kind, and whether the server was asked yet.
  async function lostOf(user) {
    const lost = await xw.outbox.getMeta("lost");
    const group = lost && lost.groups[await tagOf(user)];
    if (!group) return null;
    const count = (kind) => group.entries.filter((e) => e.kind === kind).length;
    return {
      at: lost.at, total: group.entries.length + group.more, visits: count("v"), photos: count("p"),
      confirmations: count("c"), records: count("l") + count("r") + count("s"), more: group.more,
      checked: group.entries.every((e) => e.checked),
    };
  }

  // The person has read it.
  async function dismiss(user) {
    const tag = await tagOf(user);
    await changeLost((lost) => {
      const group = lost.groups[tag];
      if (!group) return false;
      (group.from || []).forEach((generation) => lost.dismissed.push(generation + ":" + tag));
      lost.dismissed = lost.dismissed.slice(-20);
      delete lost.groups[tag];
      return true;
    });
  }

  xw.outbox.onChange(record);

  xw.journal = { COOKIE, reconcile, record, verify, lostOf, dismiss, encode, decode };
})(self);
