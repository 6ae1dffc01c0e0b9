// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  function closeMenus(except) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (menu !== except && !(except && menu.contains(except))) {
        menu.removeAttribute("open");
      }
    });
  }

  // Close the account menu on a click elsewhere, and on Escape (returning focus to its toggle).
  document.addEventListener("click", function (event) {
    var inside = event.target.closest ? event.target.closest("details[data-menu]") : null;
    closeMenus(inside);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var open = document.querySelector("details[data-menu][open]");
    if (open) {
      open.removeAttribute("open");
      var summary = open.querySelector("summary");
      if (summary) {
        summary.focus();
      }
    }
  });

  // Live counts: the bell (and the dashboard's unread badges) change without a reload. A poll
  // (#live-counts: data-hx-get every 30 s, answered with out-of-band swaps) runs while no
  // socket carries them and the tab is visible; a chat room's socket sends `counts` frames
  // instead (static/js/chat.js calls EnclaveLive.showNotifications). A change of the bell's
  // count is said once in the page's polite live region.
  var live = (window.EnclaveLive = window.EnclaveLive || { socket: false });
  var status = document.querySelector("[data-live-counts-status]");

  function bells() {
    return document.querySelectorAll("[data-nav-count]");
  }

  function countShown() {
    var bell = bells()[0];
    return bell ? Number(bell.getAttribute("data-nav-count")) : null;
  }

  var known = countShown();

  function announce(count, text) {
    if (count === null || count === known) {
      return;
    }
    known = count;
    if (status && text) {
      status.textContent = text;
    }
  }

  live.showNotifications = function (count, text) {
    bells().forEach(function (bell) {
      bell.setAttribute("data-nav-count", String(count));
      bell.setAttribute("data-announce", text);
      bell.hidden = !count;
      bell.firstChild.nodeValue = String(count);
    });
    announce(count, text);
  };

  function announceShown() { // after a swap: the bell now in the page (the old one is gone)
    var bell = bells()[0];
    if (bell) {
      announce(countShown(), bell.getAttribute("data-announce"));
    }
  }

  document.addEventListener("htmx:oobAfterSwap", announceShown);
  document.addEventListener("htmx:afterSettle", announceShown);

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.id === "live-counts" && (document.hidden || live.socket)) {
      event.preventDefault(); // the poll pauses; its next tick asks again
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !live.socket && window.htmx && document.getElementById("live-counts")) {
      window.htmx.trigger("#live-counts", "countsrefresh"); // back on the tab: catch up now
    }
  });
})();
