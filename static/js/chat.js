// Live chat: upgrades the chat page (which works without this file) over one websocket.
// Protocol: docs/realtime.md. All text goes in with textContent; the only HTML inserted is a
// message's `html`, rendered and sanitized by the server when the message was written.
(function () {
  "use strict";

  var root = document.getElementById("chat");
  if (!root || !("WebSocket" in window)) { return; }

  var PING_MS = 25000, TYPING_MS = 3000, TYPING_SHOWN_MS = 5000, READ_MS = 4000, RELOAD_MS = 2500;
  var BACKOFF_MIN_MS = 1000, BACKOFF_MAX_MS = 30000, HISTORY_PAGE = 50;

  var data = root.dataset;
  var me = { id: Number(data.me), name: data.meName, affiliation: data.meAffiliation };
  var canModerate = data.canModerate === "true", locked = data.locked === "true", wasLocked = locked;
  var lastSeq = Number(data.lastSeq) || 0, lastRead = Number(data.lastRead) || 0;

  function $(selector) { return root.querySelector(selector); }
  var list = $("[data-chat-messages]"), scroller = $("[data-chat-scroller]"), empty = $("[data-chat-empty]");
  var jump = $("[data-chat-jump]"), typingLine = $("[data-chat-typing]"), statusLine = $("[data-chat-status]");
  var presentList = $("[data-chat-present]"), older = $("[data-chat-older]"), readonly = $("[data-chat-readonly] p");
  var form = $("[data-chat-form]"), textarea = form && form.querySelector("textarea");
  var submit = form && form.querySelector("button[type=submit]");
  var formNotice = form && form.querySelector("[data-chat-form-notice]");
  var formError = form && form.querySelector("[data-chat-form-error]");
  var template = document.getElementById("chat-message-template");
  var readonlyText = readonly ? readonly.textContent : "";
  // The server's own mute notice (with the reason) stays while that same mute lasts.
  var initialMute = { until: Date.parse(data.mutedUntil) || 0, text: formNotice ? formNotice.textContent : "" };

  var socket = null, connected = false, everConnected = false, finished = false, closed = false;
  var attempt = 0, pingTimer = 0, readTimer = 0, muteTimer = 0, mutedUntil = null;
  var lastReadSent = lastSeq, lastReadAt = 0, lastTypingAt = 0, olderWaiting = false;
  var pending = []; // sends not acknowledged yet, oldest first: {clientId, body, item}
  var present = new Map(); // user id -> person
  var typing = new Map(); // user id -> {name, timer}

  // Times in the user's time zone (data-time-zone), as the server writes them.
  var zone = { hourCycle: "h23", timeZone: data.timeZone || undefined, hour: "2-digit", minute: "2-digit" };
  var dateTime = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
                                         Object.assign({ day: "numeric", month: "short" }, zone));
  var clock = new Intl.DateTimeFormat(document.documentElement.lang || undefined, zone);
  function formatTime(date) { // "27 Nov, 09:12"
    var parts = {};
    dateTime.formatToParts(date).forEach(function (part) { parts[part.type] = part.value; });
    return parts.day + " " + parts.month + ", " + parts.hour + ":" + parts.minute;
  }

  function t(key, values) { // a translated string from the page, with %(name)s filled in
    var text = root.getAttribute("data-t-" + key) || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.replace("%(" + name + ")s", values[name]);
    });
    return text;
  }

  function send(frame) {
    if (connected) { socket.send(JSON.stringify(frame)); }
    return connected;
  }

  function newClientId() { // randomUUID needs a secure context; any unique id up to 64 characters does
    if (window.crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // ------------------------------------------------------------------ messages

  function items() { return list.querySelectorAll("li[data-seq]"); }
  function seqOf(item) { return Number(item.getAttribute("data-seq")); }
  function urlFor(pattern, seq) { // reversed with seq=0: put the real seq in its place
    var at = pattern.lastIndexOf("/0/");
    return pattern.slice(0, at) + "/" + seq + "/" + pattern.slice(at + 3);
  }

  function build(message) { // a message as the page renders it (the <template> mirrors it)
    var item = template.content.firstElementChild.cloneNode(true);
    var own = message.author.id === me.id, gone = message.deleted || message.hidden;
    var notice = item.querySelector(".chat-message__notice"), prose = item.querySelector(".prose");
    var time = item.querySelector("time"), actions = item.querySelector(".chat-message__actions");
    var remove = actions.querySelector("[data-chat-delete]"), hide = actions.querySelector("[data-chat-hide]");
    item.querySelector(".chat-message__author").textContent = message.author.name;
    item.querySelector(".chat-message__affiliation").textContent = message.author.affiliation;
    item.querySelector(".chat-message__edited").hidden = !message.edited || message.deleted;
    time.dateTime = message.created_at;
    time.textContent = formatTime(new Date(message.created_at));
    item.classList.toggle("chat-message--own", own);
    if (gone) {
      item.classList.add(message.deleted ? "chat-message--deleted" : "chat-message--hidden");
      notice.textContent = t(message.deleted ? "deleted" : "hidden");
      notice.hidden = false;
      // A hidden message's text comes only to its author and the moderators.
      if (message.hidden && !message.deleted && message.html) { prose.innerHTML = message.html; }
      else { prose.remove(); }
    } else if (message.html) {
      prose.innerHTML = message.html; // sanitized by the server (dialogues/markup.py)
    } else {
      prose.textContent = message.body || ""; // a pending message: the text as typed
    }
    if (message.seq) {
      item.id = "m-" + message.seq;
      item.setAttribute("data-seq", message.seq);
      if (own && !message.deleted && data.archived !== "true") {
        remove.action = urlFor(data.deleteUrlTemplate, message.seq);
        remove.hidden = actions.hidden = false;
      }
      if (canModerate && !gone) {
        hide.querySelector("form").action = urlFor(data.hideUrlTemplate, message.seq);
        hide.querySelector("input[name=reason]").id = "hide-reason-" + message.seq;
        hide.querySelector("label").htmlFor = "hide-reason-" + message.seq;
        hide.querySelector("summary .visually-hidden").textContent =
          " " + t("hide-who", { name: message.author.name });
        hide.hidden = actions.hidden = false;
      }
    }
    [remove, hide].forEach(function (element) { if (element.hidden) { element.remove(); } });
    return item;
  }

  function insert(message) { // in seq order; false when the page shows it already
    if (document.getElementById("m-" + message.seq)) { return false; }
    var item = build(message), all = items(), next = null, after = null;
    for (var i = all.length - 1; i >= 0 && !after; i--) {
      if (seqOf(all[i]) < message.seq) { after = all[i]; } else { next = all[i]; }
    }
    if (next) { // an older message goes before the "Unread" divider if it was read
      var divider = next.previousElementSibling;
      var read = divider && divider.hasAttribute("data-chat-divider") && message.seq <= lastRead;
      list.insertBefore(item, read ? divider : next);
    } else { // the newest: after the last one shown, before the pending ones
      list.insertBefore(item, after ? after.nextElementSibling : list.querySelector("[data-client-id]"));
    }
    return true;
  }

  function settle(message) { // our own message arrived (ack, broadcast or catch-up): drop the copy
    pending = pending.filter(function (entry) {
      var mine = message.author.id === me.id && entry.clientId === message.client_id;
      if (mine) { entry.item.remove(); }
      return !mine;
    });
  }

  function atBottom() { return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48; }
  function scrollToEnd() { scroller.scrollTop = scroller.scrollHeight; jump.hidden = true; }

  function receive(messages, atStart) {
    var stick = atBottom(), height = scroller.scrollHeight, top = scroller.scrollTop, news = 0;
    messages.forEach(function (message) {
      var other = message.author.id !== me.id;
      settle(message);
      if (insert(message) && !atStart && other) { news += 1; }
      if (!atStart && other) { stopTyping(message.author.id); }
      lastSeq = Math.max(lastSeq, message.seq);
    });
    empty.hidden = list.children.length > 0;
    if (atStart) {
      scroller.scrollTop = top + scroller.scrollHeight - height; // keep what the reader was looking at
    } else if (stick) {
      scrollToEnd();
    } else if (news) {
      jump.hidden = false;
    }
    markRead();
  }

  function change(message) {
    var old = document.getElementById("m-" + message.seq);
    if (!old) { return; }
    var item = build(message), focused = old.contains(document.activeElement);
    old.replaceWith(item);
    if (focused) { item.tabIndex = -1; item.focus(); } // its Hide form went away with the old copy
  }

  function markRead() { // the newest seq, while the page is visible, at most every READ_MS
    if (document.visibilityState !== "visible" || lastSeq <= lastReadSent || readTimer) { return; }
    var wait = READ_MS - (Date.now() - lastReadAt);
    if (wait > 0) {
      readTimer = setTimeout(function () { readTimer = 0; markRead(); }, wait);
    } else if (send({ type: "read", seq: lastSeq })) {
      lastReadSent = lastSeq;
      lastReadAt = Date.now();
    }
  }

  // ------------------------------------------------------------------ people

  function renderPresence() {
    var people = Array.from(present.values());
    people.sort(function (a, b) { return a.name.localeCompare(b.name); });
    presentList.replaceChildren.apply(presentList, people.map(function (person) {
      var item = document.createElement("li");
      var name = document.createElement("span"), meta = document.createElement("span");
      item.className = "people__item";
      name.className = "people__name";
      name.textContent = person.id === me.id ? person.name + " " + t("you") : person.name;
      meta.className = "people__meta";
      meta.textContent = person.affiliation;
      item.append(name, meta);
      return item;
    }));
  }

  function renderTyping() {
    var names = Array.from(typing.values(), function (entry) { return entry.name; });
    var text = names.length === 0 ? "" : names.length === 1 ? t("typing-one", { name: names[0] })
      : t("typing-many", { names: names.join(", ") });
    if (typingLine.textContent !== text) { typingLine.textContent = text; }
  }

  function stopTyping(id) {
    if (!typing.has(id)) { return; }
    clearTimeout(typing.get(id).timer);
    typing.delete(id);
    renderTyping();
  }

  function showTyping(user) {
    if (user.id === me.id) { return; }
    stopTyping(user.id);
    var timer = setTimeout(function () { stopTyping(user.id); }, TYPING_SHOWN_MS);
    typing.set(user.id, { name: user.name, timer: timer });
    renderTyping();
  }

  // ------------------------------------------------------------------ room state and the form

  function updateForm() {
    if (readonly) { readonly.textContent = wasLocked && !locked ? t("unlocked") : readonlyText; }
    if (!form) { return; }
    var text = "";
    if (mutedUntil) {
      text = +mutedUntil === initialMute.until ? initialMute.text
        : t("muted", { time: clock.format(mutedUntil) });
    } else if (closed) {
      text = t("closed"); // a session's room after the session ended: moderators included
    } else if (locked && !canModerate) {
      text = t("locked");
    }
    formNotice.textContent = text;
    formNotice.hidden = !text;
    textarea.disabled = submit.disabled = !!text || finished;
  }

  function setLocked(value) {
    locked = value;
    $("[data-chat-locked-notice]").hidden = $("[data-chat-locked-badge]").hidden = !locked;
    var lockValue = $("[data-chat-lock-value]");
    if (lockValue) {
      lockValue.value = locked ? "0" : "1";
      $("[data-chat-lock-button]").textContent = t(locked ? "unlock" : "lock");
    }
    updateForm();
  }

  function setMuted(until) {
    clearTimeout(muteTimer);
    mutedUntil = until && !canModerate && Date.parse(until) > Date.now() ? new Date(until) : null;
    if (mutedUntil) { muteTimer = setTimeout(setMuted, Math.min(mutedUntil - Date.now(), 2147483647), null); }
    updateForm();
  }

  function setStatus(state, text) {
    statusLine.hidden = false;
    statusLine.className = "chat-status chat-status--" + state;
    statusLine.querySelector("[data-chat-status-text]").textContent = text || t(state);
  }

  // ------------------------------------------------------------------ the socket

  var handlers = {
    ready: function (frame) {
      connected = everConnected = true;
      attempt = 0;
      if (window.EnclaveLive) { window.EnclaveLive.socket = true; } // the page's poll pauses
      me = frame.me;
      canModerate = frame.can_moderate;
      setStatus("live");
      send({ type: "resume", after: lastSeq });
      pending.forEach(function (entry) { send({ type: "send", client_id: entry.clientId, body: entry.body }); });
      present = new Map(frame.present.map(function (person) { return [person.id, person]; }));
      renderPresence();
      closed = !!frame.room.closed;
      setLocked(frame.room.locked);
      setMuted(frame.muted_until);
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { send({ type: "ping" }); }, PING_MS);
    },
    catchup: function (frame) {
      receive(frame.messages, false);
      if (!frame.complete) { send({ type: "resume", after: frame.last_seq }); }
    },
    history: function (frame) {
      var first, focused = older.contains(document.activeElement);
      olderWaiting = false;
      receive(frame.messages, true);
      first = items()[0];
      if (frame.messages.length < HISTORY_PAGE || (first && seqOf(first) <= 1)) {
        older.textContent = t("beginning");
        if (focused) { scroller.focus(); }
      } else {
        older.firstElementChild.textContent = t("load-older");
      }
    },
    message: function (frame) {
      if (frame.message.seq > lastSeq + 1) { send({ type: "resume", after: lastSeq }); } // a missed doorbell
      receive([frame.message], false);
    },
    "message.changed": function (frame) { change(frame.message); },
    ack: function (frame) { receive([frame.message], false); scrollToEnd(); },
    error: function (frame) {
      var entry = pending.find(function (p) { return frame.client_id && p.clientId === frame.client_id; });
      if (formError) { formError.textContent = frame.detail; }
      if (!entry) { return; }
      pending.splice(pending.indexOf(entry), 1);
      entry.item.classList.replace("chat-message--pending", "chat-message--failed");
      entry.item.querySelector(".chat-message__state").textContent = t("not-sent") + " " + frame.detail;
      if (!textarea.value.trim()) { textarea.value = entry.body; } // keep the text to fix and resend
    },
    presence: function (frame) { // joins and leaves, batched by the server
      (frame.joined || []).forEach(function (person) { present.set(person.id, person); });
      (frame.left || []).forEach(function (id) { present.delete(id); stopTyping(id); });
      renderPresence();
    },
    typing: function (frame) { showTyping(frame.user); },
    muted: function (frame) { if (frame.user === me.id) { setMuted(frame.until); } },
    room: function (frame) {
      if (frame.room !== Number(data.room)) { return; }
      if (frame.closed) { closed = true; }
      setLocked(frame.locked);
    },
    revoked: function () {}, // the close (4401, 4403 or 4451) follows
    counts: function (frame) { // the reader's bell (static/js/enclave.js shows and announces it)
      if (window.EnclaveLive) { window.EnclaveLive.showNotifications(frame.notifications, frame.announce); }
    },
    pong: function () {},
  };

  function end() { // access ended: say so, then reload (the server answers with the right page)
    finished = true;
    clearInterval(pingTimer);
    setStatus("offline", t("ended"));
    updateForm();
    setTimeout(function () { window.location.reload(); }, RELOAD_MS);
  }

  function mustAccept() { // 4451: the dialogue's undertaking (a new version) is to be accepted first
    finished = true;
    clearInterval(pingTimer);
    setStatus("offline", t("undertaking") ||
      "This dialogue's confidentiality undertaking has changed: accept it to go on reading.");
    var slug = /^\/w\/([^/]+)\//.exec(location.pathname);
    if (slug) {
      var link = document.createElement("a");
      link.href = "/w/" + slug[1] + "/undertaking/?next=" + encodeURIComponent(location.pathname);
      link.textContent = t("undertaking-link") || "Read the undertaking";
      statusLine.querySelector("[data-chat-status-text]").append(" ", link);
    }
    updateForm();
  }

  function retry() { // 1 s doubling to 30 s, with jitter
    var base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, attempt));
    attempt += 1;
    setStatus(everConnected ? "reconnecting" : "connecting", attempt > 8 ? t("offline") : "");
    setTimeout(connect, base / 2 + (Math.random() * base) / 2);
  }

  function probe() { // a refused handshake hides its reason: the page itself tells
    var options = { credentials: "same-origin", redirect: "manual", cache: "no-store" };
    fetch(window.location.pathname, options)
      .then(function (response) { // a sign-in redirect or a 4xx: the room is no longer ours
        var gone = response.type === "opaqueredirect" || (response.status >= 400 && response.status < 500);
        return gone ? end() : retry();
      }, retry); // a network error: the server is away
  }

  function connect() {
    var opened = false, scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = (socket = new WebSocket(scheme + location.host + data.wsPath));
    ws.addEventListener("open", function () { opened = true; });
    ws.addEventListener("message", function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (error) { return; }
      if (handlers[frame.type] && !finished) { handlers[frame.type](frame); }
    });
    ws.addEventListener("close", function (event) {
      connected = false;
      if (window.EnclaveLive) { window.EnclaveLive.socket = false; } // the poll takes over
      clearInterval(pingTimer);
      if (finished) { return; }
      if (event.code === 4451) { mustAccept(); }
      else if (event.code === 4401 || event.code === 4403 || event.code === 4404) { end(); }
      else if (opened) { retry(); }
      else { probe(); }
    });
  }

  // ------------------------------------------------------------------ the page

  if (form) {
    form.addEventListener("submit", function (event) {
      if (!everConnected) { return; } // never live here (websockets blocked?): the plain form posts
      event.preventDefault();
      var body = textarea.value.trim(), clientId = newClientId();
      if (!body) { textarea.focus(); return; }
      list.querySelectorAll(".chat-message--failed").forEach(function (item) { item.remove(); });
      formError.textContent = "";
      var item = build({ author: me, created_at: new Date().toISOString(), body: body });
      var state = item.querySelector(".chat-message__state");
      item.classList.add("chat-message--pending");
      item.setAttribute("data-client-id", clientId);
      state.textContent = t("sending");
      state.hidden = false;
      empty.hidden = true;
      list.appendChild(item);
      pending.push({ clientId: clientId, body: body, item: item });
      send({ type: "send", client_id: clientId, body: body }); // offline: sent again on reconnect
      textarea.value = "";
      lastTypingAt = 0;
      scrollToEnd();
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    textarea.addEventListener("input", function () {
      var now = Date.now();
      if (textarea.value.trim() && now - lastTypingAt >= TYPING_MS && send({ type: "typing" })) {
        lastTypingAt = now;
      }
    });
  }

  // Delete and Hide: a fetch POST; the change itself comes back over the socket.
  list.addEventListener("submit", function (event) {
    var action = event.target.closest("[data-chat-action]");
    if (!action || !connected) { return; } // offline: the plain POST does it
    event.preventDefault();
    if (action.dataset.busy) { return; } // (not disabled: the focus stays, then moves to the update)
    action.dataset.busy = "1";
    var token = action.querySelector("input[name=csrfmiddlewaretoken]").value;
    fetch(action.action, { method: "POST", body: new FormData(action), credentials: "same-origin",
                           redirect: "manual", headers: { "X-CSRFToken": token } })
      .then(function (response) {
        if (response.type !== "opaqueredirect" && !response.ok) { throw new Error(response.status); }
      })
      .catch(function () {
        var note = document.createElement("p");
        note.className = "chat-message__error";
        note.setAttribute("role", "alert");
        note.textContent = t("action-failed");
        action.after(note);
        delete action.dataset.busy;
      });
  });

  if (older) { // "Older messages" (a link to ?before=) becomes a button that asks the socket
    var olderButton = document.createElement("button");
    olderButton.type = "button";
    olderButton.className = "btn btn--secondary btn--small";
    olderButton.textContent = t("load-older");
    older.replaceChildren(olderButton);
    olderButton.addEventListener("click", function () {
      var first = items()[0];
      if (olderWaiting || !first || !send({ type: "history", before: seqOf(first) })) { return; }
      olderWaiting = true;
      olderButton.textContent = t("loading");
    });
  }

  jump.addEventListener("click", function () { scrollToEnd(); scroller.focus(); });
  scroller.addEventListener("scroll", function () { if (atBottom()) { jump.hidden = true; } });
  document.addEventListener("visibilitychange", markRead);

  root.classList.add("chat--live"); // the log becomes a scrolling pane (enclave.css)
  $("[data-chat-presence]").hidden = false;
  root.querySelectorAll("[data-chat-js-only]").forEach(function (element) { element.hidden = false; });
  var target = location.hash && document.getElementById(location.hash.slice(1));
  target = target && list.contains(target) ? target : $("[data-chat-divider]");
  if (target) { scroller.scrollTop = target.offsetTop - 8; } else { scrollToEnd(); }
  setMuted(data.mutedUntil || null);
  setStatus("connecting");
  connect();
})();
