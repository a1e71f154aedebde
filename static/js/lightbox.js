// 小微外勤: the photo lightbox of the review pages and the visit page (templates/review/_lightbox.html), xw.lightbox.
// Every [data-lightbox-item] on the page is one photo, in page order: its [data-lightbox-open] link points at
// the display copy (so without JavaScript the link still opens the photo) and its [data-lightbox-evidence]
// holds the evidence shown beside it. Arrow keys move, Esc closes (the <dialog> does that natively too).
// Items swapped in later by htmx (the queue's "More") join the sequence: the list is read on every open.
(function () {
  "use strict";

  var dialog = null;
  var items = [];
  var index = -1;
  var opener = null;

  function el(selector) {
    return dialog ? dialog.querySelector(selector) : null;
  }

  function collect() {
    items = Array.prototype.slice.call(document.querySelectorAll("[data-lightbox-item]"));
  }

  function counterText(n, total) {
    var template = dialog.getAttribute("data-msg-counter") || "{n} / {total}";
    return template.replace("{n}", String(n)).replace("{total}", String(total));
  }

  function show(i) {
    if (!items.length) return;
    index = (i + items.length) % items.length;
    var item = items[index];
    var link = item.querySelector("[data-lightbox-open]");
    var image = el("[data-lightbox-image]");
    var thumb = item.querySelector("img");
    image.src = link.getAttribute("href");
    image.alt = thumb ? thumb.alt : "";
    el("[data-lightbox-caption]").textContent = link.getAttribute("data-caption") || "";
    var panel = el("[data-lightbox-panel]");
    panel.textContent = "";
    var evidence = item.querySelector("[data-lightbox-evidence]");
    if (evidence) {
      var copy = evidence.cloneNode(true);
      copy.removeAttribute("hidden");
      copy.removeAttribute("data-lightbox-evidence");
      panel.appendChild(copy);
    }
    el("[data-lightbox-counter]").textContent = counterText(index + 1, items.length);
    dialog.setAttribute("data-photo-id", item.getAttribute("data-photo-id") || "");
    var single = items.length < 2;
    el("[data-lightbox-prev]").disabled = single;
    el("[data-lightbox-next]").disabled = single;
  }

  function open(item, trigger) {
    dialog = document.querySelector("[data-lightbox]");
    if (!dialog || typeof dialog.showModal !== "function") return false;
    collect();
    var i = items.indexOf(item);
    if (i < 0) return false;
    opener = trigger || null;
    show(i);
    if (!dialog.open) dialog.showModal();
    el("[data-lightbox-close]").focus();
    return true;
  }

  function close() {
    if (dialog && dialog.open) dialog.close();
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var link = target.closest("[data-lightbox-open]");
    if (link) {
      var item = link.closest("[data-lightbox-item]");
      if (item && open(item, link)) event.preventDefault();
      return;
    }
    var byPhoto = target.closest("[data-lightbox-photo]");
    if (byPhoto) {
      var wanted = byPhoto.getAttribute("data-lightbox-photo");
      var match = document.querySelector('[data-lightbox-item][data-photo-id="' + wanted + '"]');
      if (match && open(match, byPhoto)) event.preventDefault();
      return;
    }
    if (!dialog || !dialog.open) return;
    if (target.closest("[data-lightbox-prev]")) show(index - 1);
    else if (target.closest("[data-lightbox-next]")) show(index + 1);
    else if (target.closest("[data-lightbox-close]")) close();
    else if (target === dialog) close(); // a click on the backdrop
  });

  document.addEventListener("keydown", function (event) {
    if (!dialog || !dialog.open) return;
    if (event.key === "ArrowRight") {
      show(index + 1);
      event.preventDefault();
    } else if (event.key === "ArrowLeft") {
      show(index - 1);
      event.preventDefault();
    } else if (event.key === "Escape") {
      close();
      event.preventDefault();
    }
  });

  document.addEventListener("close", function (event) {
    if (event.target === dialog && opener && document.contains(opener)) opener.focus();
  }, true);

  window.xw.lightbox = { open: open, close: close };
})();
