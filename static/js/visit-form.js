// 小微外勤: what every visit page needs. A device id on every request (the server notices one phone
// checking in a whole squad), the device clock on every request (clock-skew flag), the phone's own
// time as the visit's start, the post-loan checklist shown only for post-loan inspections, and
// rejected writes (403, 409) swapped into the form so the person reads why.
//
// Saving goes through the outbox (static/js/outbox.js, window.xwSync from app.js) wherever the phone has one:
// the visit (or a squad member's confirmation) is written to the phone first, the page says so at once, and
// it is sent to the JSON API now or when the network is back. Online, the page waits for the answer: the
// visit page on success, the server's reasons beside the fields when it refuses. Without an outbox (no
// IndexedDB) the form posts through htmx as before.
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
    if (window.xwSync && window.xwSync.deviceId) return window.xwSync.deviceId();
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

  // One history entry, one visit id. A new entry mints its own id here, never the one in the HTML: the
  // service worker may answer with a copy of the form kept for days, whose id was used long ago. A reload,
  // or a back navigation to the same entry, takes back the id the entry already had, which turns a resubmit
  // into a replay (or a conflict the person can read), never a second visit. Runs before htmx processes
  // the page.
  function keepVisitId(form) {
    var input = form.querySelector("input[name=visit_id]");
    if (!input || form.querySelector("input[name=if_match]")) return;
    var state = window.history.state || {};
    var kept = state.xwPath === window.location.pathname ? state.xwVisitId : null;
    if (!kept) {
      kept = randomId();
      var next = {};
      Object.keys(state).forEach(function (key) { next[key] = state[key]; });
      next.xwVisitId = kept;
      next.xwPath = window.location.pathname;
      window.history.replaceState(next, "");
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

  // A kept copy of the form was fetched without ?kind=: the URL still says which kind the person chose.
  function kindFromUrl(form) {
    if (form.querySelector("input[name=if_match]")) return;
    var kind = new URLSearchParams(window.location.search).get("kind");
    if (!kind) return;
    var radio = form.querySelector('input[data-visit-kind][value="' + kind.replace(/[^a-z_]/g, "") + '"]');
    if (radio) radio.checked = true;
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
    Array.prototype.forEach.call(forms, kindFromUrl);
    setDeviceTime(root);
    Array.prototype.forEach.call(forms, syncChecklist);
  }

  // --- saving through the outbox --------------------------------------------------------------------------

  var ROLES = ["lead", "support", "observer"];
  var CHECKIN_FIELDS = ["lat", "lon", "accuracy_m", "captured_at"];

  function outboxReady() {
    return Boolean(window.xwSync && window.xwSync.supported && window.xwSync.user() && window.xwOutbox);
  }

  function textOf(data, name) { return String(data.get(name) || "").trim(); }

  // A number when it reads as one; otherwise the text itself, so the server names the field (forms.py).
  function numberOrText(value) {
    var number = Number(value);
    return value !== "" && isFinite(number) ? number : value;
  }

  function yes(data, name) { return ["yes", "on", "1", "true"].indexOf(String(data.get(name))) >= 0; }

  function checkinOf(data) {
    var values = {};
    CHECKIN_FIELDS.forEach(function (field) { values[field] = textOf(data, "checkin_" + field); });
    if (!CHECKIN_FIELDS.some(function (field) { return values[field]; })) return null;
    return {
      lat: values.lat ? numberOrText(values.lat) : null,
      lon: values.lon ? numberOrText(values.lon) : null,
      accuracy_m: values.accuracy_m ? numberOrText(values.accuracy_m) : null,
      captured_at: values.captured_at || null,
    };
  }

  // The form as the API body: the same reshaping as webapp/visits/forms.py visit_body_from_form; every rule
  // stays on the server, which answers the same for the API as for the form.
  function visitBody(form) {
    var data = new FormData(form);
    var kind = textOf(data, "kind");
    var product = textOf(data, "application_product");
    var amount = textOf(data, "application_amount");
    var outcome = {
      effective: yes(data, "effective"),
      application: product || amount ? { product: product, amount: amount ? numberOrText(amount) : null } : null,
      deals: data.getAll("deals").filter(Boolean),
      next_step: textOf(data, "next_step"),
      follow_up_date: textOf(data, "follow_up_date") || null,
    };
    if (kind === "post_loan") {
      outcome.checklist = {
        operating_state: textOf(data, "checklist_operating_state") || null,
        inventory_level: textOf(data, "checklist_inventory_level") || null,
        fixed_assets: textOf(data, "checklist_fixed_assets") || null,
        abnormal: yes(data, "checklist_abnormal"),
        abnormal_detail: textOf(data, "checklist_abnormal_detail"),
      };
    }
    var merchant = textOf(data, "merchant_id");
    var squad = {};
    var notes = {};
    ROLES.forEach(function (role) {
      squad[role] = textOf(data, "squad_" + role).toLowerCase() || null;
      notes[role] = String(data.get("notes_" + role) || "");
    });
    var body = {
      merchant_id: /^\d+$/.test(merchant) ? parseInt(merchant, 10) : merchant,
      kind: kind,
      squad: squad,
      started_at: textOf(data, "started_at"),
      checkin: checkinOf(data),
      outcome: outcome,
      notes: notes,
    };
    // The post-loan part (static/js/postloan-visit.js): the loan and check the visit fulfils, and the checklist.
    var postLoan = kind === "post_loan" && window.xwPostLoanBody ? window.xwPostLoanBody(data) : null;
    if (postLoan) body.post_loan = postLoan;
    return body;
  }

  // What the server would refuse anyway, said before the visit waits a day in the queue to hear it.
  function localErrors(form, body) {
    var msg = form.dataset;
    var errors = {};
    var outcome = body.outcome;
    if (outcome.application) {
      if (!outcome.application.product) errors["outcome.application.product"] = msg.msgProduct;
      var amount = outcome.application.amount;
      if (typeof amount !== "number" || !(amount > 0)) errors["outcome.application.amount"] = msg.msgAmount;
    }
    if (outcome.checklist) {
      ["operating_state", "inventory_level", "fixed_assets"].forEach(function (field) {
        if (!outcome.checklist[field]) errors["outcome.checklist." + field] = msg.msgRequired;
      });
      if (outcome.checklist.abnormal && !outcome.checklist.abnormal_detail) {
        errors["outcome.checklist.abnormal_detail"] = msg.msgAbnormal;
      }
    }
    return errors;
  }

  // 'outcome.application.amount' -> 'application_amount'; 'checkin.lat' -> 'checkin_lat' (forms.py field_name).
  function fieldName(path) {
    return path.replace(/^outcome\./, "").replace(/\./g, "_");
  }

  function clearMessages(form) {
    form.querySelectorAll("[data-client-message]").forEach(function (node) { node.remove(); });
    form.querySelectorAll("[aria-invalid][data-client-invalid]").forEach(function (node) {
      node.removeAttribute("aria-invalid");
      node.removeAttribute("data-client-invalid");
    });
  }

  function notice(form, className, lines, role) {
    var box = document.createElement("div");
    box.className = "notice " + className;
    box.setAttribute("role", role || "alert");
    box.dataset.clientMessage = "";
    lines.forEach(function (line) {
      if (!line) return;
      var p = document.createElement("p");
      if (typeof line === "string") p.textContent = line;
      else p.appendChild(line);
      box.appendChild(p);
    });
    var anchor = form.querySelector("button[type=submit]");
    form.insertBefore(box, anchor || null);
    return box;
  }

  // Each message beside its field, the others in a summary above the save button (like _form.html).
  function showErrors(form, errors, heading) {
    var unplaced = [];
    Object.keys(errors).forEach(function (path) {
      var name = fieldName(path);
      var control = form.elements[name];
      var target = control && control.length !== undefined && !control.tagName ? control[0] : control;
      if (!target || target.type === "hidden") {
        var holder = target ? target.closest("fieldset") : null;
        if (!holder) { unplaced.push(errors[path]); return; }
        target = holder.lastElementChild;
      } else {
        target.setAttribute("aria-invalid", "true");
        target.dataset.clientInvalid = "";
        var label = target.closest("label.check");
        if (label) target = label.parentElement;
      }
      var p = document.createElement("p");
      p.className = "error";
      p.dataset.errorFor = name;
      p.dataset.clientMessage = "";
      p.textContent = errors[path];
      target.insertAdjacentElement("afterend", p);
    });
    notice(form, "notice-error", [heading].concat(unplaced), "alert").dataset.formErrors = "";
    var first = form.querySelector("[data-client-message]");
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "center" });
  }

  function savedNotice(form, extraLinks) {
    var sync = window.xwSync;
    var lines = [sync.text("savedOffline"), sync.text("savedOfflineDetail")];
    var links = document.createElement("span");
    (extraLinks || []).forEach(function (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      links.appendChild(a);
      links.appendChild(document.createTextNode(" · "));
    });
    if (links.lastChild) links.removeChild(links.lastChild);
    if (links.childNodes.length) lines.push(links);
    var box = notice(form, "saved-offline", lines, "status");
    box.dataset.savedNotice = "";
    box.scrollIntoView && box.scrollIntoView({ block: "center" });
    return box;
  }

  function setBusy(form, busy) {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = busy; });
  }

  function kindLabel(form) {
    var checked = form.querySelector("input[data-visit-kind]:checked");
    var label = checked ? checked.closest("label") : null;
    return label ? label.textContent.trim() : "";
  }

  function saveVisit(form) {
    var sync = window.xwSync;
    var outbox = window.xwOutbox;
    var visitId = form.querySelector("input[name=visit_id]").value;
    var ifMatch = form.querySelector("input[name=if_match]");
    var body = visitBody(form);
    clearMessages(form);
    var problems = localErrors(form, body);
    if (Object.keys(problems).length) {
      showErrors(form, problems, form.dataset.msgErrors);
      return;
    }
    setBusy(form, true);
    var merchantName = form.dataset.merchantName || "";
    var itemId = "visit:" + visitId;
    outbox.enqueueVisit({
      visitId: visitId, body: body, author: sync.user(), deviceId: deviceId(), ifMatch: ifMatch ? ifMatch.value : null,
      label: [merchantName, kindLabel(form)].filter(Boolean).join(" · "),
    }).then(function () {
      return outbox.promoteDrafts(visitId);
    }).then(function () {
      form.dataset.savedVisit = visitId;
      var saved = savedNotice(form, [
        { href: form.dataset.todayUrl, text: form.dataset.msgToday },
        { href: form.dataset.syncUrl, text: form.dataset.msgSyncPage },
      ]);
      form.dispatchEvent(new CustomEvent("xw:visit-saved", { bubbles: true, detail: { visitId: visitId } }));
      sync.kick();
      return sync.whenSettled(itemId, 10000).then(function (result) {
        setBusy(form, false);
        var visitUrl = form.dataset.visitUrl.replace(PLACEHOLDER_ID, visitId);
        if (result.outcome === "sent") {
          // The photos go right after their visit: let them finish here (their bars are on this page), then
          // open the visit. Whatever is left is sent from the next page.
          waitForPhotos(visitId).then(function () { window.location.assign(visitUrl); });
        } else if (result.outcome === "refused") {
          saved.remove();
          var detail = result.message || {};
          if (detail.status === 422 && detail.fields) {
            showErrors(form, detail.fields, detail.message || form.dataset.msgErrors);
          } else {
            var lines = [detail.message || form.dataset.msgRefused];
            if (detail.status === 409) {
              // Like the server's form: an edit reloads the edit page, a new visit opens the saved one.
              var link = document.createElement("a");
              link.href = ifMatch ? form.dataset.reloadUrl : visitUrl;
              link.textContent = form.dataset.msgReload;
              lines.push(link);
            }
            notice(form, "notice-error", lines, "alert").dataset.conflict = "";
          }
        }
        // "waiting": the notice already says it is kept on the phone; it goes when the network allows.
      });
    }).catch(function (err) {
      console.error(err);
      setBusy(form, false);
      notice(form, "notice-error", [form.dataset.msgNoStorage], "alert");
    });
  }

  function waitForPhotos(visitId) {
    var outbox = window.xwOutbox;
    return new Promise(function (resolve) {
      var done = false;
      var stop = outbox.on(function (message) {
        if (message.type === "drain-end") finish();
        else if (message.type === "sent" || message.type === "refused" || message.type === "changed") check();
      });
      function finish() {
        if (done) return;
        done = true;
        stop();
        resolve();
      }
      function check() {
        outbox.list().then(function (items) {
          var left = items.some(function (i) { return i.visitId === visitId && i.kind === "photo" && i.state === "queued"; });
          if (!left) finish();
        });
      }
      check();
    });
  }

  function saveConfirmation(form) {
    var sync = window.xwSync;
    var outbox = window.xwOutbox;
    var match = /\/visits\/([0-9a-f-]{36})\/confirm/.exec(form.getAttribute("action") || "");
    if (!match) return;
    var visitId = match[1];
    var data = new FormData(form);
    clearMessages(form);
    setBusy(form, true);
    var itemId = "confirmation:" + visitId + ":" + sync.user();
    outbox.enqueueConfirmation({
      visitId: visitId, username: sync.user(), author: sync.user(), deviceId: deviceId(),
      body: { checkin: checkinOf(data), note: String(data.get("note") || "") },
      label: form.dataset.label || "",
    }).then(function () {
      var saved = savedNotice(form, [{ href: form.dataset.syncUrl, text: form.dataset.msgSyncPage }]);
      sync.kick();
      return sync.whenSettled(itemId, 10000).then(function (result) {
        setBusy(form, false);
        if (result.outcome === "sent") {
          window.location.reload();
        } else if (result.outcome === "refused") {
          saved.remove();
          var detail = result.message || {};
          if (detail.status === 422 && detail.fields) showErrors(form, detail.fields, detail.message);
          else notice(form, "notice-error", [detail.message], "alert").dataset.conflict = "";
        }
      });
    }).catch(function (err) {
      console.error(err);
      setBusy(form, false);
    });
  }

  var PLACEHOLDER_ID = "00000000-0000-4000-8000-000000000000";

  // Capture phase, before htmx sees the submit: with an outbox the form never posts itself.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.matches || !outboxReady()) return;
    if (form.matches("form[data-visit-form]")) {
      event.preventDefault();
      event.stopPropagation();
      saveVisit(form);
    } else if (form.matches("form[data-confirm-form]")) {
      event.preventDefault();
      event.stopPropagation();
      saveConfirmation(form);
    }
  }, true);

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("input[data-visit-kind]")) syncChecklist(target.form);
  });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
  init(document);
})();
