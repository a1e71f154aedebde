// 小微外勤: small helps on the review pages. The server checks everything again; this only saves a round trip.
// A send-back or a rejection needs a reason: say so beside the field before posting (captured before htmx
// sees the submit, so nothing is sent).
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-decision-form")) return;
    var submitter = event.submitter;
    var reason = form.querySelector("textarea[name=reason]");
    if (!submitter || !submitter.hasAttribute("data-needs-reason") || !reason) return;
    if (reason.value.trim() !== "") return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var message = form.querySelector("[data-client-error]");
    if (!message) {
      message = document.createElement("p");
      message.className = "error";
      message.setAttribute("data-client-error", "");
      message.setAttribute("role", "alert");
      reason.insertAdjacentElement("afterend", message);
    }
    message.textContent = form.getAttribute("data-msg-reason-needed") || "";
    reason.setAttribute("aria-invalid", "true");
    reason.focus();
  }, true);

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLTextAreaElement) || field.name !== "reason") return;
    var form = field.form;
    var message = form && form.querySelector("[data-client-error]");
    if (message && field.value.trim() !== "") {
      message.remove();
      field.removeAttribute("aria-invalid");
    }
  });
})();
