// 小微外勤: "My visits" lists what waits on this phone as well as what the server has, xw.myVisits. The server's
// list cannot know about a visit saved offline; this fills [data-phone-visits] from the outbox (IndexedDB) with
// each of the signed-in person's visits still on the phone: waiting to send, being sent, or refused (with the
// reason and a link that opens it in its form to correct). It follows the outbox as items come and go.
(function () {
  "use strict";
  var xw = window.xw;
  var util = xw.util;
  var section = document.querySelector("[data-phone-visits]");

  function render(items) {
    var list = section.querySelector("[data-phone-visit-list]");
    var user = xw.sync.user();
    var texts = section.dataset;
    var visits = items.filter(function (item) { return item.kind === "visit" && item.author === user; });
    var photos = {};
    items.forEach(function (item) {
      if (item.kind === "photo" && item.author === user) photos[item.visitId] = (photos[item.visitId] || 0) + 1;
    });
    list.textContent = "";
    section.hidden = visits.length === 0;
    section.dataset.count = String(visits.length);
    visits.forEach(function (item) {
      var row = util.el("li", "row phone-visit");
      row.dataset.phoneVisit = item.recordId;
      row.dataset.state = item.state;
      var main = util.el("span", "row-link");
      main.appendChild(util.el("strong", "", item.label || texts.msgVisit));
      var when = item.json && item.json.started_at ? Date.parse(item.json.started_at) : item.createdAt;
      var detail = util.when(when);
      if (photos[item.recordId]) detail += " · " + util.fill(texts.msgPhotos, { n: photos[item.recordId] });
      main.appendChild(util.el("span", "muted small", detail));
      if (item.state === "refused" && item.lastError && item.lastError.message) {
        main.appendChild(util.el("span", "error small", item.lastError.message));
      }
      row.appendChild(main);
      var badges = util.el("span", "row-badges");
      var refused = item.state === "refused";
      badges.appendChild(util.el("span", "badge " + (refused ? "phone-refused" : "phone-waiting"),
        refused ? texts.msgRefused : texts.msgWaiting));
      if (refused && item.json && item.json.merchant_id) {
        var fix = util.el("a", "button", texts.msgCorrect);
        fix.href = texts.correctUrl.replace("/0/", "/" + item.json.merchant_id + "/") + encodeURIComponent(item.recordId);
        badges.appendChild(fix);
      }
      row.appendChild(badges);
      list.appendChild(row);
    });
  }

  function refresh() {
    xw.outbox.list().then(render, util.report);
  }

  xw.myVisits = { refresh: refresh };
  if (!section || !window.indexedDB || !xw.sync.user()) return;
  xw.outbox.on(function (message) {
    if (["changed", "sent", "refused", "stuck", "drain-end"].indexOf(message.type) >= 0) refresh();
  });
  refresh();
})();
