// 小微外勤: what every visit page needs. A device id on every request (the server notices one phone
// checking in a whole squad), the device clock on every request (clock-skew flag), the phone's own
// time as the visit's start, the post-loan checklist shown only for post-loan inspections, and
// rejected writes (403, 409) swapped into the form so the person reads why.
(function () {
  "use strict";
  var DEVICE_KEY = "xw-device-id";
  var memoryId = null;

  function randomId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID needs a secure context; getRandomValues does not (a LAN address over http).
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function deviceId() {
    try {
      var id = window.localStorage.getItem(DEVICE_KEY);
      if (!id) {
        id = randomId();
        window.localStorage.setItem(DEVICE_KEY, id);
      }
      return id;
    } catch (err) {
      // Private mode without storage: one id for this page's life is still better than none.
      memoryId = memoryId || randomId();
      return memoryId;
    }
  }

  function clientHeaders() {
    return { "X-Device-Id": deviceId(), "X-Client-Time": new Date().toISOString() };
  }

  window.xw = window.xw || {};
  window.xw.deviceId = deviceId;
  window.xw.randomId = randomId;
  window.xw.clientHeaders = clientHeaders;

  document.addEventListener("htmx:configRequest", function (event) {
    var headers = clientHeaders();
    event.detail.headers["X-Device-Id"] = headers["X-Device-Id"];
    event.detail.headers["X-Client-Time"] = headers["X-Client-Time"];
  });

  // A 403 or 409 on a form marked data-swap-errors carries the form with its message: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var elt = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    if ((status === 403 || status === 409) && elt && elt.closest && elt.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The visit starts when the phone opened the form. Kept per visit id in sessionStorage, so a reload
  // of the same form (same id) sends the same body again: a replay, not a conflict.
  function setDeviceTime(root) {
    root.querySelectorAll("input[data-device-time]").forEach(function (input) {
      var idInput = input.form ? input.form.querySelector("input[name=visit_id]") : null;
      var key = idInput ? "xw-started:" + idInput.value : null;
      var stored = null;
      try { stored = key ? window.sessionStorage.getItem(key) : null; } catch (err) { stored = null; }
      if (stored) {
        input.value = stored;
        return;
      }
      var now = new Date().toISOString();
      input.value = now;
      try { if (key) window.sessionStorage.setItem(key, now); } catch (err) { /* storage full or off */ }
    });
  }

  // One history entry, one visit id. A reload, or a back navigation that fetches the form again, gets a
  // fresh id from the server; taking back the id this entry already had turns a resubmit into a replay
  // (or a conflict the person can read), never a second visit. Runs before htmx processes the page.
  function keepVisitId(form) {
    var input = form.querySelector("input[name=visit_id]");
    if (!input || form.querySelector("input[name=if_match]")) return;
    var state = window.history.state || {};
    var kept = state.xwPath === window.location.pathname ? state.xwVisitId : null;
    if (!kept) {
      var next = {};
      Object.keys(state).forEach(function (key) { next[key] = state[key]; });
      next.xwVisitId = input.value;
      next.xwPath = window.location.pathname;
      window.history.replaceState(next, "");
      return;
    }
    if (kept === input.value) return;
    var fresh = input.value;
    input.value = kept;
    ["action", "hx-post"].forEach(function (name) {
      var value = form.getAttribute(name);
      if (value) form.setAttribute(name, value.replace(fresh, kept));
    });
    if (window.htmx && typeof window.htmx.process === "function") window.htmx.process(form);
  }

  function syncChecklist(form) {
    if (!form) return;
    var checked = form.querySelector("input[data-visit-kind]:checked");
    var postLoan = checked !== null && checked.value === "post_loan";
    form.querySelectorAll("[data-post-loan-only]").forEach(function (el) { el.hidden = !postLoan; });
  }

  function init(root) {
    if (!root || !root.querySelectorAll) return;
    var forms = root.matches && root.matches("form[data-visit-form]") ? [root] : root.querySelectorAll("form[data-visit-form]");
    Array.prototype.forEach.call(forms, keepVisitId);
    setDeviceTime(root);
    Array.prototype.forEach.call(forms, syncChecklist);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("input[data-visit-kind]")) syncChecklist(target.form);
  });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
  init(document);
})();
