// Session lifetimes on an open page (accounts/session_lifetime.py). Shortly before the session
// would end, the page asks the server how long it really has (another tab may have been used
// meanwhile); if the end is near it warns in a dialog: "Stay signed in" restarts the idle clock,
// the absolute limit can only be announced. Once the session has ended the page goes to the
// sign-in page, which says why and brings the official back here. The page's own questions carry
// X-Enclave-Background, so asking is not activity.
(function () {
  "use strict";

  var dialog = document.querySelector("[data-session-lifetime]");
  if (!dialog || !window.fetch) {
    return;
  }
  var BACKGROUND = { "X-Enclave-Background": "1" };
  var RETRY_MS = 30000;
  var url = dialog.getAttribute("data-session-url");
  var warning = Number(dialog.getAttribute("data-warning")) * 1000;
  var text = dialog.querySelector("[data-session-text]");
  var stay = dialog.querySelector("[data-session-stay]");
  var close = dialog.querySelector("[data-session-close]");
  var titleIdle = dialog.querySelector("[data-session-title-idle]");
  var titleAbsolute = dialog.querySelector("[data-session-title-absolute]");
  var checkTimer = 0;
  var tickTimer = 0;
  var endsAt = 0; // when the session ends if nothing happens (this page's clock, ms)
  var absoluteAt = 0; // when it ends whatever happens
  var absolute = false; // the end is the absolute limit, which staying cannot move
  var dismissed = false; // the absolute warning was closed: no second one

  function csrfToken() {
    var headers = document.body.getAttribute("data-hx-headers");
    try {
      return JSON.parse(headers)["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  function clock(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function signIn() {
    var here = window.location.pathname + window.location.search + window.location.hash;
    window.location.assign(dialog.getAttribute("data-login-url") + "?next=" + encodeURIComponent(here));
  }

  function hide() {
    clearInterval(tickTimer);
    tickTimer = 0;
    if (dialog.open) {
      dialog.close();
    }
  }

  function tick() {
    var left = endsAt - Date.now();
    var template = dialog.getAttribute(absolute ? "data-text-absolute" : "data-text-idle");
    text.textContent = template.replace("%(time)s", clock(left));
    if (left <= 0) {
      clearInterval(tickTimer);
      tickTimer = 0;
      check();
    }
  }

  function warn() {
    var changed = dialog.open && stay.hidden !== absolute; // idle turned absolute, or back
    titleIdle.hidden = absolute;
    titleAbsolute.hidden = !absolute;
    dialog.setAttribute("aria-labelledby", absolute ? titleAbsolute.id : titleIdle.id);
    stay.hidden = absolute;
    close.hidden = !absolute;
    tick();
    if (!dialog.open) {
      if (typeof dialog.showModal === "function") {
        dialog.showModal();
      } else {
        dialog.setAttribute("open", "");
      }
      (absolute ? close : stay).focus();
    } else if (changed) {
      (absolute ? close : stay).focus(); // the focused button was just hidden
    }
    clearInterval(tickTimer);
    tickTimer = setInterval(tick, 1000);
  }

  // `left`: the server's answer (seconds to the idle and the absolute end).
  function plan(left) {
    var idle = left.idle * 1000;
    var limit = left.absolute * 1000;
    absolute = limit <= idle;
    absoluteAt = Date.now() + limit;
    endsAt = Date.now() + Math.min(idle, limit);
    clearTimeout(checkTimer);
    if (endsAt - Date.now() <= warning && !(absolute && dismissed)) {
      warn();
      checkTimer = setTimeout(check, Math.max(0, endsAt - Date.now()) + 1000);
    } else {
      hide();
      var next = absolute && dismissed ? endsAt - Date.now() + 1000 : endsAt - Date.now() - warning;
      checkTimer = setTimeout(check, Math.max(1000, next));
    }
  }

  function ask(method) {
    var headers = Object.assign({ Accept: "application/json" }, BACKGROUND);
    if (method === "POST") {
      headers["X-CSRFToken"] = csrfToken();
    }
    return fetch(url, { method: method, headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.redirected) {
          signIn(); // the session has ended (or the page is no longer this official's)
          return null;
        }
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (left) {
        if (left) {
          plan(left);
        }
      })
      .catch(function () {
        clearTimeout(checkTimer);
        checkTimer = setTimeout(check, RETRY_MS); // the server is away: ask again later
      });
  }

  function check() {
    return ask("GET");
  }

  stay.addEventListener("click", function () {
    ask("POST");
  });
  close.addEventListener("click", function () {
    dismissed = true;
    hide();
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, Math.max(0, endsAt - Date.now()) + 1000);
  });
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault(); // Escape is not an answer: the choice stays on screen
  });
  // Timers sleep in a hidden tab: coming back, ask at once.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      check();
    }
  });
  // The official's own requests from this page move the server's idle clock on: so does this.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var config = event.detail && event.detail.requestConfig;
    var background = config && config.headers && config.headers["X-Enclave-Background"] === "1";
    if (!background && !dialog.open) {
      plan({ idle: Number(dialog.getAttribute("data-idle")), absolute: (absoluteAt - Date.now()) / 1000 });
    }
  });

  plan({ idle: Number(dialog.getAttribute("data-idle")), absolute: Number(dialog.getAttribute("data-absolute")) });
})();
