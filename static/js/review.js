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

// A wide screen shows the queue and a visit's photo log side by side: opening a visit from the queue loads its
// review page into the pane beside the list (and into the address bar, so a reload or a shared link opens the
// same visit on its own page). A phone, or a click with a modifier key, opens the page itself.
(function () {
  "use strict";
  var WIDE = "(min-width: 1200px)";
  var pane = document.querySelector("[data-review-pane]");
  if (!pane || !window.htmx || !window.matchMedia) return;
  var opened = false;

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-open-review]") : null;
    if (!link || !window.matchMedia(WIDE).matches || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    document.querySelectorAll(".review-row.is-open").forEach(function (row) { row.classList.remove("is-open"); });
    var row = link.closest(".review-row");
    if (row) row.classList.add("is-open");
    window.htmx.ajax("GET", link.href, { target: pane, select: ".review-visit", swap: "innerHTML" }).then(function () {
      window.history.pushState({ xwReviewPane: true }, "", link.href);
      opened = true;
      pane.scrollTop = 0;
    }, function () { window.location.assign(link.href); });
  });

  // Back from a visit opened in the pane: the queue as it was, from the server.
  window.addEventListener("popstate", function () {
    if (opened) window.location.reload();
  });
})();
