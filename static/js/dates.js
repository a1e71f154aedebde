// 小微外勤: dates shown and entered the Chinese way (2026年12月3日), whatever the phone's own locale, xw.dates.
// A browser draws <input type="date"> in its own locale (12/03/2026 on an English phone). Every date input of a
// page (unless data-native-date) gets a text box beside it that shows the date as the page's language writes it
// and takes it typed as 2026年12月3日, 2026-12-3, 2026/12/3, 20261203 or 12月3日 (this year), fullwidth digits too,
// plus a button that opens the browser's calendar. The date input stays the form's field, in ISO, hidden from view:
// forms, htmx and the outbox read it as before; the text box takes its id, so its label and errors point at it.
(function () {
  "use strict";
  var xw = window.xw;
  var util = xw.util;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function chinese() { return (document.documentElement.lang || "").indexOf("zh") === 0; }

  // "2026-12-03" -> "2026年12月3日" (Chinese pages) or "2026-12-03" (English pages); "" stays "".
  function show(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!m) return "";
    return chinese() ? m[1] + "年" + parseInt(m[2], 10) + "月" + parseInt(m[3], 10) + "日" : iso;
  }

  function valid(y, mo, d) {
    var date = new Date(Date.UTC(y, mo - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
  }

  // What a person typed -> "YYYY-MM-DD", or "" for nothing, or null for text that is no date.
  function parse(text) {
    var t = String(text || "").normalize("NFKC").replace(/\s+/g, "");
    if (!t) return "";
    var m = /^(\d{4})[年\-\/.](\d{1,2})[月\-\/.](\d{1,2})日?$/.exec(t) || /^(\d{4})(\d{2})(\d{2})$/.exec(t);
    var y;
    var mo;
    var d;
    if (m) {
      y = parseInt(m[1], 10); mo = parseInt(m[2], 10); d = parseInt(m[3], 10);
    } else {
      m = /^(\d{1,2})[月\-\/.](\d{1,2})日?$/.exec(t);
      if (!m) return null;
      y = new Date().getFullYear(); mo = parseInt(m[1], 10); d = parseInt(m[2], 10);
    }
    return valid(y, mo, d) ? y + "-" + pad(mo) + "-" + pad(d) : null;
  }

  function enhance(native) {
    if (native.dataset.xwDate || native.hasAttribute("data-native-date")) return;
    native.dataset.xwDate = "1";
    var box = util.el("span", "date-field");
    var text = util.el("input", "date-text");
    text.type = "text";
    text.autocomplete = "off";
    text.placeholder = chinese() ? "2026年12月3日" : "2026-12-03";
    text.value = show(native.value);
    text.disabled = native.disabled;
    if (native.id) {
      text.id = native.id;
      native.id = native.id + "-native";
    }
    ["aria-invalid", "aria-describedby", "aria-label", "required"].forEach(function (name) {
      if (native.hasAttribute(name)) text.setAttribute(name, native.getAttribute(name));
    });
    var pick = util.el("button", "button date-pick");
    pick.type = "button";
    pick.disabled = native.disabled;
    var texts = document.getElementById("xw-date-texts");
    pick.setAttribute("aria-label", texts ? texts.dataset.pick : "");
    if (texts && texts.dataset.icon) {
      var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("class", "icon");
      svg.setAttribute("aria-hidden", "true");
      var use = document.createElementNS("http://www.w3.org/2000/svg", "use");
      use.setAttribute("href", texts.dataset.icon);
      svg.appendChild(use);
      pick.appendChild(svg);
    }
    var message = util.el("span", "error small date-error");
    message.setAttribute("role", "alert");
    message.hidden = true;
    native.parentNode.insertBefore(box, native);
    box.appendChild(text);
    box.appendChild(pick);
    box.appendChild(native);
    box.parentNode.insertBefore(message, box.nextSibling);
    native.classList.add("date-native");
    native.tabIndex = -1;
    native.setAttribute("aria-hidden", "true");

    function take(final) {
      var iso = parse(text.value);
      var wrong = iso === null;
      message.hidden = !(wrong && final);
      if (wrong) {
        if (final) {
          message.textContent = texts ? texts.dataset.wrong : "";
          text.setAttribute("aria-invalid", "true");
        }
        return;
      }
      text.removeAttribute("aria-invalid");
      if (native.value !== iso) native.value = iso;
      if (final) text.value = show(iso);
    }

    text.addEventListener("input", function () { take(false); });
    text.addEventListener("change", function () { take(true); });
    pick.addEventListener("click", function () {
      if (typeof native.showPicker === "function") {
        try { native.showPicker(); return; } catch (err) { util.report(err); }
      }
      text.focus();
    });
    native.addEventListener("change", function () {
      text.value = show(native.value);
      message.hidden = true;
      text.removeAttribute("aria-invalid");
    });
  }

  function init(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("input[type=date]")) enhance(root);
    root.querySelectorAll("input[type=date]").forEach(enhance);
  }

  document.addEventListener("htmx:load", function (event) { init(event.target); });
  xw.dates = { show: show, parse: parse, init: init };
  init(document);
})();
