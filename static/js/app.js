// 小微外勤: page-side start-up. No inline scripts (CSP): everything the pages need starts here.
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function (err) {
        console.warn("service worker registration failed", err);
      });
    });
  }
})();
