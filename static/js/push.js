// 小微外勤: notifications on this phone, xw.push (the "More" page's switch, [data-push]). Where the browser has Web
// Push, turning it on asks the phone's permission, subscribes with the server's VAPID key and gives the server
// the subscription (POST /push/subscriptions); turning it off forgets it on both sides. The service worker shows
// what arrives (sw.js "push") and opens the page it names when tapped. Without push (iPhone outside the home
// screen app, a browser without it, permission refused) the card says so: the inbox holds everything anyway.
(function () {
  "use strict";
  var xw = window.xw;
  var util = xw.util;
  var box = document.querySelector("[data-push]");

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function keyBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function post(url, body) {
    var token = document.querySelector("meta[name=csrf-token]");
    var headers = Object.assign({ "Content-Type": "application/json", "X-CSRFToken": token ? token.content : "" },
      util.clientHeaders());
    return util.fetchWithTimeout(url, { method: "POST", credentials: "same-origin", headers: headers,
                                        body: JSON.stringify(body) }, 15000);
  }

  function say(state) {
    box.dataset.pushState = state;
    var text = box.dataset["msg" + state.charAt(0).toUpperCase() + state.slice(1)] || "";
    box.querySelector("[data-push-status]").textContent = text;
    box.querySelector("[data-push-on]").hidden = state === "on" || state === "unsupported" || state === "denied";
    box.querySelector("[data-push-off]").hidden = state !== "on";
    box.querySelector("[data-push-test]").hidden = state !== "on";
  }

  function current() {
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    });
  }

  function refresh() {
    if (!supported()) { say("unsupported"); return Promise.resolve(); }
    if (Notification.permission === "denied") { say("denied"); return Promise.resolve(); }
    return current().then(function (subscription) { say(subscription ? "on" : "off"); }, function (err) {
      util.report(err);
      say("off");
    });
  }

  function enable() {
    say("working");
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("denied"); return null; }
      return navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.pushKey) });
      }).then(function (subscription) {
        return post(box.dataset.subscribeUrl, subscription.toJSON());
      }).then(function (response) {
        if (!response.ok) throw new Error("subscription refused: " + response.status);
        say("on");
      });
    }).catch(function (err) {
      util.report(err);
      say("failed");
    });
  }

  function disable() {
    say("working");
    return current().then(function (subscription) {
      if (!subscription) return null;
      return post(box.dataset.removeUrl, { endpoint: subscription.endpoint }).then(function () {
        return subscription.unsubscribe();
      });
    }).then(refresh, function (err) {
      util.report(err);
      say("failed");
    });
  }

  function test() {
    return post(box.dataset.testUrl, {}).then(function (response) {
      say(response.ok ? "tested" : "failed");
      if (response.ok) box.querySelector("[data-push-off]").hidden = false;
    }, function (err) {
      util.report(err);
      say("failed");
    });
  }

  xw.push = { enable: enable, disable: disable, test: test, refresh: refresh };
  if (!box) return;
  box.querySelector("[data-push-on]").addEventListener("click", enable);
  box.querySelector("[data-push-off]").addEventListener("click", disable);
  box.querySelector("[data-push-test]").addEventListener("click", test);
  refresh();
})();
