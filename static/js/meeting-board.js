// 小微外勤: the meeting timer (morning and evening boards). No inline scripts (CSP): the board's
// [data-timer] element carries its length in minutes; the buttons start, pause and reset it.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function setUp(el) {
    var total = Math.max(1, parseInt(el.dataset.minutes || "20", 10)) * 60;
    var clock = el.querySelector(".timer-clock");
    var toggle = el.querySelector("[data-timer-toggle]");
    var reset = el.querySelector("[data-timer-reset]");
    var left = total;
    var ticking = null;
    var lastTick = 0;

    function show() {
      var shown = Math.abs(left);
      clock.textContent = (left < 0 ? "-" : "") + pad(Math.floor(shown / 60)) + ":" + pad(shown % 60);
      el.dataset.state = left < 0 ? "over" : (ticking ? "running" : "paused");
      toggle.textContent = ticking ? toggle.dataset.pause : toggle.dataset.start;
    }

    function tick() {
      var now = Date.now();
      var elapsed = Math.floor((now - lastTick) / 1000);
      if (elapsed >= 1) {
        left -= elapsed;
        lastTick += elapsed * 1000;
        show();
      }
    }

    toggle.addEventListener("click", function () {
      if (ticking) {
        window.clearInterval(ticking);
        ticking = null;
      } else {
        lastTick = Date.now();
        ticking = window.setInterval(tick, 250);
      }
      show();
    });
    reset.addEventListener("click", function () {
      if (ticking) window.clearInterval(ticking);
      ticking = null;
      left = total;
      show();
    });
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-timer]"), setUp);
  });
})();
