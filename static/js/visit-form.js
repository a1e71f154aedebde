// 小微外勤: what every visit form needs, xw.visitForm. A device id and the device clock on every htmx request
// (the server notices one phone checking in a whole squad, and a phone clock far off), the phone's own time
// as the visit's start, one visit id per history entry, the post-loan checklist shown only for post-loan
// inspections, and refused writes (403, 409) swapped into the form so the person reads why.
//
// body(form) reshapes the form into the API's visit body exactly as the server's form parser does
// (webapp/visits/forms.py visit_body_from_form; a browser test holds the two together); fill(form, body) is
// its inverse, for a refused visit corrected in place. Saving goes through the outbox (visit-save.js).
(function () {
  "use strict";
  var xw = window.xw;
  var util = xw.util;
  var ROLES = ["lead", "support", "observer"];
  var CHECKIN_FIELDS = ["lat", "lon", "accuracy_m", "captured_at"];
  var CHECKLIST_CHOICES = ["operating_state", "inventory_level", "fixed_assets"];

  document.addEventListener("htmx:configRequest", function (event) {
    var headers = util.clientHeaders();
    Object.keys(headers).forEach(function (name) { event.detail.headers[name] = headers[name]; });
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

  // The form now records the visit with this id (its inputs and URLs, and this history entry's id).
  function setVisitId(form, id) {
    var state = window.history.state || {};
    var next = {};
    Object.keys(state).forEach(function (key) { next[key] = state[key]; });
    next.xwVisitId = id;
    next.xwPath = window.location.pathname;
    window.history.replaceState(next, "");
    var input = form.querySelector("input[name=visit_id]");
    if (input.value === id) return;
    var before = input.value;
    input.value = id;
    ["action", "hx-post"].forEach(function (name) {
      var value = form.getAttribute(name);
      if (value) form.setAttribute(name, value.replace(before, id));
    });
    if (window.htmx) window.htmx.process(form);
    form.dispatchEvent(new CustomEvent("xw:visit-id", { detail: { visitId: id } }));
  }

  // One history entry, one visit id. A new entry mints its own id here, never the one in the HTML: the
  // service worker may answer with a copy of the form kept for days, whose id was used long ago. A reload,
  // or a back navigation to the same entry, takes back the id the entry already had, which turns a resubmit
  // into a replay (or a conflict the person can read), never a second visit. Runs before htmx processes
  // the page.
  function keepVisitId(form) {
    if (!form.querySelector("input[name=visit_id]") || form.querySelector("input[name=if_match]")) return;
    var state = window.history.state || {};
    setVisitId(form, state.xwPath === window.location.pathname && state.xwVisitId ? state.xwVisitId : util.randomId());
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
    form.querySelectorAll("[data-post-loan-only], [data-post-loan-photos]").forEach(function (el) {
      el.hidden = !postLoan;
      // A post-loan check opens its checklist: it is the work of the visit.
      if (postLoan && el.tagName === "DETAILS") el.open = true;
    });
  }

  // --- the form as the API body, and back -------------------------------------------------------------------

  // Python's str.strip(): the white space it removes is not quite JavaScript's trim().
  var PY_SPACE = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+";
  var PY_STRIP = new RegExp("^" + PY_SPACE + "|" + PY_SPACE + "$", "g");

  function textOf(data, name) { return String(data.get(name) || "").replace(PY_STRIP, ""); }

  // A plain decimal number (fullwidth digits too) when it reads as one; otherwise the text itself, so the
  // server names the field. The same rule as forms.py _number_or_text.
  function numberOrText(value) {
    var plain = value.normalize("NFKC");
    if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(plain)) return value;
    var number = Number(plain);
    return isFinite(number) ? number : value;
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

  // The form as the API body: merchant_id, kind, squad, started_at, checkin, outcome, notes. Only reshaping:
  // every rule stays on the server, which answers the same for the API as for the form.
  function body(form) {
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
      outcome.checklist = { abnormal: yes(data, "checklist_abnormal"), abnormal_detail: textOf(data, "checklist_abnormal_detail") };
      CHECKLIST_CHOICES.forEach(function (field) { outcome.checklist[field] = textOf(data, "checklist_" + field) || null; });
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
    var postLoan = kind === "post_loan" && xw.postLoanVisit ? xw.postLoanVisit.body(data) : null;
    if (postLoan) body.post_loan = postLoan;
    return body;
  }

  function setField(form, name, value) {
    var control = form.elements[name];
    if (!control) return;
    var text = value === null || value === undefined ? "" : String(value);
    if (control.tagName === "SELECT" && text && !control.querySelector('option[value="' + CSS.escape(text) + '"]')) {
      control.appendChild(new Option(text, text)); // a member the form does not list (as _form.html does)
    }
    if (control.tagName || control.type) {
      control.value = text;
      return;
    }
    Array.prototype.forEach.call(control, function (option) {
      option.checked = Array.isArray(value) ? value.indexOf(option.value) >= 0 : option.value === text;
    });
  }

  // A body back into the form (webapp/visits/forms.py form_from_body): the refused visit, corrected in place.
  function fill(form, saved) {
    var outcome = saved.outcome || {};
    var application = outcome.application || {};
    var checklist = outcome.checklist || {};
    var checkin = saved.checkin || {};
    setField(form, "kind", saved.kind);
    setField(form, "started_at", saved.started_at);
    ROLES.forEach(function (role) {
      setField(form, "squad_" + role, (saved.squad || {})[role]);
      setField(form, "notes_" + role, (saved.notes || {})[role]);
    });
    CHECKIN_FIELDS.forEach(function (field) { setField(form, "checkin_" + field, checkin[field]); });
    setField(form, "effective", outcome.effective ? "yes" : "no");
    setField(form, "application_product", application.product);
    setField(form, "application_amount", application.amount);
    setField(form, "deals", outcome.deals || []);
    setField(form, "next_step", outcome.next_step);
    setField(form, "follow_up_date", outcome.follow_up_date);
    CHECKLIST_CHOICES.forEach(function (field) { setField(form, "checklist_" + field, checklist[field]); });
    setField(form, "checklist_abnormal", checklist.abnormal ? "yes" : "no");
    setField(form, "checklist_abnormal_detail", checklist.abnormal_detail);
    syncChecklist(form);
  }

  // What the server would refuse anyway, said before the visit waits a day in the queue to hear it.
  function localErrors(form, saved) {
    var msg = form.dataset;
    var errors = {};
    var outcome = saved.outcome;
    if (outcome.application) {
      if (!outcome.application.product) errors["outcome.application.product"] = msg.msgProduct;
      var amount = outcome.application.amount;
      if (typeof amount !== "number" || !(amount > 0)) errors["outcome.application.amount"] = msg.msgAmount;
    }
    if (outcome.checklist) {
      CHECKLIST_CHOICES.forEach(function (field) {
        if (!outcome.checklist[field]) errors["outcome.checklist." + field] = msg.msgRequired;
      });
      if (outcome.checklist.abnormal && !outcome.checklist.abnormal_detail) {
        errors["outcome.checklist.abnormal_detail"] = msg.msgAbnormal;
      }
    }
    return errors;
  }

  // --- messages beside the fields -------------------------------------------------------------------------------

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
    var box = util.el("div", "notice " + className);
    box.setAttribute("role", role || "alert");
    box.dataset.clientMessage = "";
    lines.forEach(function (line) {
      if (!line) return;
      var p = util.el("p", "", typeof line === "string" ? line : null);
      if (typeof line !== "string") p.appendChild(line);
      box.appendChild(p);
    });
    var submit = form.querySelector("button[type=submit]");
    var anchor = submit ? submit.closest(".save-bar") || submit : null;
    (anchor ? anchor.parentNode : form).insertBefore(box, anchor);
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
      var p = util.el("p", "error", errors[path]);
      p.dataset.errorFor = name;
      p.dataset.clientMessage = "";
      target.insertAdjacentElement("afterend", p);
    });
    notice(form, "notice-error", [heading].concat(unplaced), "alert").dataset.formErrors = "";
    var first = form.querySelector("[data-client-message]");
    if (first) first.scrollIntoView({ block: "center" });
  }

  function init(root) {
    if (!root || !root.querySelectorAll) return;
    var forms = root.matches && root.matches("form[data-visit-form]") ? [root] : root.querySelectorAll("form[data-visit-form]");
    Array.prototype.forEach.call(forms, keepVisitId);
    Array.prototype.forEach.call(forms, kindFromUrl);
    setDeviceTime(root);
    Array.prototype.forEach.call(forms, syncChecklist);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("input[data-visit-kind]")) syncChecklist(target.form);
  });
  document.addEventListener("htmx:load", function (event) { init(event.target); });

  xw.visitForm = {
    body: body, fill: fill, localErrors: localErrors, checkin: function (el) { return checkinOf(new FormData(el)); }, setVisitId: setVisitId, clearMessages: clearMessages, notice: notice, showErrors: showErrors,
    numberOrText: numberOrText,
  };
  init(document);
})();
