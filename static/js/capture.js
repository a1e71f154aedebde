// 小微外勤: field records captured on the phone, xw.capture: a lead at a marketing activity, a peer record, survey
// answers. Each <form data-capture-form> is saved on the phone first (the outbox, like a visit) and sent to the
// JSON API by the replay when the network allows; the page never waits for the network. Without IndexedDB the form
// posts to the server as a plain form.
//
// The form names what it makes: data-capture-kind (lead, peer, survey: the outbox item's kind), data-capture-url
// (the API URL, "{id}" replaced by the record's id), data-capture-id-field (the hidden field holding the id),
// data-capture-label-field (the field whose text names the item on the sync page). Fields marked
// data-capture-number are sent as numbers, data-capture-time gets the phone's clock at saving, fieldsets
// data-question (survey) gather their answer into "answers". A copy of the page kept on the phone carries the id
// of the copy: a new id is made when the page opens and after every save, so two records never share one.
(function () {
  "use strict";
  var xw = window.xw;
  var util = xw.util;
  xw.capture = {};
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-capture-form]"));
  if (!forms.length || !window.indexedDB || !xw.outbox) return;
  var SKIP = ["csrf_token"];

  function mint(form) {
    var field = form.querySelector("[data-capture-id]");
    field.value = util.randomId();
    return field.value;
  }

  function answerOf(fieldset) {
    var kind = fieldset.dataset.answerKind;
    var inputs = Array.prototype.slice.call(fieldset.querySelectorAll("input, textarea, select"));
    if (kind === "choices" || kind === "months") {
      return inputs.filter(function (i) { return i.checked; }).map(function (i) {
        return kind === "months" ? parseInt(i.value, 10) : i.value;
      });
    }
    if (kind === "choice") {
      var chosen = inputs.filter(function (i) { return i.checked; })[0];
      return chosen ? chosen.value : "";
    }
    return inputs.length ? inputs[0].value : "";
  }

  // The form as the API's JSON body.
  function bodyOf(form) {
    var body = {};
    var idName = form.dataset.captureIdField;
    var answers = null;
    Array.prototype.slice.call(form.querySelectorAll("fieldset[data-question]")).forEach(function (fieldset) {
      answers = answers || {};
      answers[fieldset.dataset.question] = answerOf(fieldset);
    });
    Array.prototype.slice.call(form.elements).forEach(function (field) {
      if (!field.name || field.name === idName || SKIP.indexOf(field.name) >= 0 || field.closest("fieldset[data-question]")) return;
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) return;
      if (field.type === "submit" || field.type === "button") return;
      var value = field.value;
      if (field.hasAttribute("data-capture-time")) value = util.isoWithOffset(new Date());
      else if (field.hasAttribute("data-capture-number")) value = value === "" ? null : Number(value);
      body[field.name] = value;
    });
    if (answers) body.answers = answers;
    return body;
  }

  function labelOf(form) {
    var field = form.elements[form.dataset.captureLabelField];
    if (!field) return "";
    if (field.tagName === "SELECT") return field.selectedOptions.length ? field.selectedOptions[0].textContent : "";
    return field.value || "";
  }

  function savedNotice(form) {
    var box = form.querySelector("[data-capture-saved]");
    box.textContent = "";
    box.appendChild(util.el("strong", "", xw.sync.text("savedOffline")));
    box.appendChild(document.createTextNode(" " + xw.sync.text("savedOfflineDetail") + " "));
    if (form.dataset.captureDone) {
      var back = util.el("a", "", form.dataset.captureDoneText || "");
      back.href = form.dataset.captureDone;
      if (back.textContent) box.appendChild(back);
    }
    box.hidden = false;
    box.dataset.savedId = form.dataset.lastSaved || "";
    xw.sync.askPersistence().then(function (granted) {
      if (granted === false) box.appendChild(util.el("p", "small", xw.sync.text("notPersisted")));
    }, util.report);
  }

  function setUp(form) {
    mint(form);
    // ?merchant= names the merchant of the visit; a copy kept on the phone answers every such URL, so it is read here.
    var wanted = new URLSearchParams(window.location.search).get("merchant");
    var merchant = form.elements.merchant_id;
    if (wanted && /^\d{1,10}$/.test(wanted) && merchant && !merchant.value) merchant.value = wanted;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!form.checkValidity()) {
        form.reportValidity();
        return;
      }
      var user = document.body.dataset.user || "";
      var recordId = form.querySelector("[data-capture-id]").value;
      var body = bodyOf(form);
      var saving = form.querySelector("[data-capture-save]");
      if (saving) saving.disabled = true;
      xw.outbox.enqueueRecord({
        kind: form.dataset.captureKind, recordId: recordId, author: user, body: body, deviceId: util.deviceId(),
        url: form.dataset.captureUrl.replace("{id}", encodeURIComponent(recordId)), label: labelOf(form),
        createdAt: Date.now(),
      }).then(function () {
        form.dataset.lastSaved = recordId;
        form.reset();
        mint(form);
        savedNotice(form);
        xw.sync.kick();
      }).catch(function (err) {
        util.report(err);
        var box = form.querySelector("[data-capture-saved]");
        box.textContent = String(err && err.message || err);
        box.hidden = false;
      }).then(function () {
        if (saving) saving.disabled = false;
      });
    });
  }

  forms.forEach(setUp);
  xw.capture = { bodyOf: bodyOf, forms: forms };
})();
