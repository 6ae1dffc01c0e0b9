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
    if (message.seq && !gone) { addToMinutes(item); } // a session's moderator: "To minutes"
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

  // ------------------------------------------------------------------ the live session
  // A session's room shows its running state beside the chat (templates/dialogues/chat/
  // _live_panels.html renders it first): the agenda with the current item and its clock, the
  // speakers' queue, and for those who run the session a form that drafts the minutes. Each
  // `live` frame carries the whole state; the panels are built again from it with the same
  // markup as the template, text through textContent only.

  var LIVE_ERROR_MS = 15000, ANNOUNCE_MS = 150;
  var panels = $("[data-live]");
  var live = panels && {
    url: panels.getAttribute("data-live-url"),
    open: panels.getAttribute("data-live-open") === "true",
    canRun: panels.getAttribute("data-can-run") === "true",
    canRaise: panels.getAttribute("data-can-raise") === "true",
    canRaiseFor: panels.getAttribute("data-can-raise-for") || "",
    csrf: "", agenda: null, floor: null, currentId: null, speakingId: null, mineId: null,
    shown: { agenda: "", floor: "" }, // what the panels show now (skip identical frames)
    over: {}, // agenda item id -> already announced as over its time
    clockTimer: 0, actionAt: 0, actionPanel: null,
  };
  var agendaPanel = panels && panels.querySelector("[data-live-agenda]");
  var floorPanel = panels && panels.querySelector("[data-live-floor]");
  var minutesPanel = panels && panels.querySelector("[data-live-minutes]");
  var minutesForm = minutesPanel && minutesPanel.querySelector("[data-live-minutes-form]");
  var announcer = panels && panels.querySelector("[data-live-announce]");
  var announcing = [], announceTimer = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function hiddenText(text) { return el("span", "visually-hidden", text); }

  function parseTime(iso) { // the page writes +0000, frames +00:00
    return Date.parse(String(iso).replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
  }

  function clockText(seconds) { // mm:ss (minutes go past 59 rather than into hours)
    var whole = Math.max(0, Math.floor(seconds)), minutes = Math.floor(whole / 60), rest = whole % 60;
    return (minutes < 10 ? "0" : "") + minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function announce(text) { // polite; several in a row are read together
    if (!announcer || !text) { return; }
    announcing.push(text);
    clearTimeout(announceTimer);
    announcer.textContent = ""; // the same sentence twice is read twice
    announceTimer = setTimeout(function () {
      announcer.textContent = announcing.join(" ");
      announcing = [];
    }, ANNOUNCE_MS);
  }

  function liveButton(text, extra, key, style) {
    var button = el("button", "btn " + style + " btn--small", text);
    button.type = "submit";
    button.setAttribute("data-live-key", key); // focus returns to the same button after a render
    if (extra) { button.append(hiddenText(extra)); }
    return button;
  }

  function liveForm(fields, button) { // a plain POST form, as the template has (no socket: it posts)
    var form = el("form", "inline-form");
    form.method = "post";
    form.action = live.url;
    form.setAttribute("data-live-form", "");
    var values = Object.assign({ csrfmiddlewaretoken: live.csrf }, fields);
    Object.keys(values).forEach(function (name) {
      var input = el("input");
      input.type = "hidden";
      input.name = name;
      input.value = values[name];
      form.append(input);
    });
    form.append(button);
    return form;
  }

  function focusIn(panel) { // the key of what has the focus in a panel about to be rebuilt
    var active = document.activeElement;
    return panel.contains(active) ? active.getAttribute("data-live-key") || "" : null;
  }

  function refocus(panel, key) { // the same button if it is still there, else the heading
    if (key === null || panel.contains(document.activeElement)) { return; }
    var same = key && panel.querySelector('[data-live-key="' + key + '"]');
    (same || panel.querySelector("h3")).focus();
  }

  // The agenda and its clock

  function agendaFromPage() { // the state the server rendered, until the first `live` frame
    var state = { items: [], current: null };
    if (!agendaPanel) { return state; }
    agendaPanel.querySelectorAll("[data-live-items] > li").forEach(function (row) {
      var id = Number(row.getAttribute("data-item")), since = row.querySelector("[data-live-since]");
      state.items.push({ id: id, title: row.querySelector("[data-live-title]").textContent,
                         planned: Number(row.getAttribute("data-planned")) || 0,
                         used: Number(row.getAttribute("data-used")) || 0 });
      if (row.getAttribute("aria-current") === "true") {
        state.current = { id: id, since: since ? since.getAttribute("datetime") : null };
      }
    });
    return state;
  }

  function currentItem() {
    var current = live.agenda.current;
    return current ? live.agenda.items.find(function (item) { return item.id === current.id; }) : null;
  }

  function usedNow(item) { // seconds: the finished stretches, and the running one
    var current = live.agenda.current, used = item.used;
    if (current && current.id === item.id && current.since && live.open) {
      used += Math.max(0, (Date.now() - (live.skew || 0) - parseTime(current.since)) / 1000);
    }
    return used;
  }

  function agendaRow(item, index) {
    var current = live.agenda.current !== null && live.agenda.current.id === item.id;
    var row = el("li", "live-agenda__item" + (current ? " live-agenda__item--current" : ""));
    var title = el("p", "live-agenda__title"), name = el("span", "", item.title);
    var meta = el("p", "live-agenda__meta"), used = usedNow(item);
    row.id = "live-item-" + item.id;
    row.setAttribute("data-item", item.id);
    row.setAttribute("data-planned", item.planned);
    row.setAttribute("data-used", item.used);
    if (current) { row.setAttribute("aria-current", "true"); }
    name.setAttribute("data-live-title", "");
    title.append(el("span", "agenda__number", index + 1 + "."), " ", name);
    if (current) { meta.append(el("span", "badge badge--success live-agenda__now", t("now")), " "); }
    meta.append(el("span", "", t("planned", { minutes: Math.round(item.planned / 60) })));
    if (current || item.used > 0) {
      var clock = el("span", "live-agenda__clock"), text = el("span", "live-agenda__time");
      var over = el("span", "badge badge--danger live-agenda__over", t("over-time"));
      text.setAttribute("data-live-clock", "");
      text.textContent = clockText(used) + " / " + clockText(item.planned);
      clock.append("· ", hiddenText(t("clock-label") + " "), text);
      over.setAttribute("data-live-over", "");
      over.hidden = !(item.planned > 0 && used > item.planned);
      row.classList.toggle("live-agenda__item--over", !over.hidden);
      meta.append(" ", clock, " ", over);
    }
    row.append(title, meta);
    if (live.canRun && live.open && !current) {
      row.append(liveForm({ action: "move", item: item.id },
                          liveButton(t("take-up"), " " + item.title, "move-" + item.id, "btn--secondary")));
    }
    return row;
  }

  function tick() { // the current item's clock, every second; the moderator hears when it runs over
    var item = currentItem(), row = item && agendaPanel.querySelector('[data-item="' + item.id + '"]');
    var clock = row && row.querySelector("[data-live-clock]");
    if (!clock) { return; }
    var used = usedNow(item), over = item.planned > 0 && used > item.planned;
    clock.textContent = clockText(used) + " / " + clockText(item.planned);
    row.querySelector("[data-live-over]").hidden = !over;
    row.classList.toggle("live-agenda__item--over", over);
    if (over && live.canRun && live.open && !live.over[item.id]) {
      live.over[item.id] = true;
      announce(t("over-announce", { title: item.title }));
    }
  }

  function renderAgenda() {
    if (!agendaPanel) { return; }
    var state = live.agenda, shown = JSON.stringify([state, live.open, live.canRun]);
    if (shown !== live.shown.agenda) {
      live.shown.agenda = shown;
      var focus = focusIn(agendaPanel), list = agendaPanel.querySelector("[data-live-items]");
      var actions = agendaPanel.querySelector("[data-live-agenda-actions]");
      var at = state.items.indexOf(currentItem()), next = at >= 0 ? state.items[at + 1] : null;
      list.replaceChildren.apply(list, state.items.map(agendaRow));
      actions.replaceChildren();
      if (live.canRun && live.open && next) {
        actions.append(liveForm({ action: "move", item: next.id },
                                liveButton(t("next-item"), " " + next.title, "next", "btn--primary")));
      }
      agendaPanel.querySelector("[data-live-ended-note]").hidden = live.open;
      agendaPanel.hidden = state.items.length === 0;
      refocus(agendaPanel, focus);
    }
    clearInterval(live.clockTimer);
    live.clockTimer = state.current && live.open ? setInterval(tick, 1000) : 0;
    tick();
  }

  // The speakers' queue

  function isMine(hand) { return !!me.id && hand.person.id === me.id; }

  function handRow(hand, speaking, number) {
    var row = el("li", "live-floor__hand" + (speaking ? " live-floor__hand--speaking" : ""));
    var who = el("p", "live-floor__who"), mine = isMine(hand);
    row.setAttribute("data-hand", hand.id);
    if (speaking) { row.setAttribute("data-speaking", ""); }
    if (mine) { row.setAttribute("data-mine", ""); }
    who.append(speaking ? el("span", "badge badge--success live-floor__speaking", t("speaking"))
                        : el("span", "agenda__number", number + "."), " ",
               el("span", "people__name", mine ? hand.person.name + " " + t("you") : hand.person.name));
    if (hand.person.affiliation) { who.append(" ", el("span", "people__meta", hand.person.affiliation)); }
    if (hand.for_jurisdiction) { who.append(" ", el("span", "badge badge--role", t("for-jurisdiction"))); }
    row.append(who);
    if (live.canRun && live.open && !speaking) {
      var actions = el("div", "row-actions live-floor__hand-actions");
      actions.append(
        liveForm({ action: "give", request: hand.id },
                 liveButton(t("give"), " " + t("give-to", { name: hand.person.name }), "give-" + hand.id, "btn--secondary")),
        liveForm({ action: "skip", request: hand.id },
                 liveButton(t("skip"), " " + hand.person.name, "skip-" + hand.id, "btn--link")));
      row.append(actions);
    }
    return row;
  }

  function renderFloor() {
    if (!floorPanel || !live.floor) { return; }
    var floor = live.floor;
    var shown = JSON.stringify([floor, live.open, live.canRun, live.canRaise, live.canRaiseFor, me.id]);
    if (shown === live.shown.floor) { return; }
    live.shown.floor = shown;
    var focus = focusIn(floorPanel), list = floorPanel.querySelector("[data-live-queue]");
    var actions = floorPanel.querySelector("[data-live-floor-actions]");
    var rows = floor.speaking ? [handRow(floor.speaking, true, 0)] : [];
    var mine = floor.queue.find(isMine), speakingMine = floor.speaking && isMine(floor.speaking);
    floor.queue.forEach(function (hand, index) { rows.push(handRow(hand, false, index + 1)); });
    list.replaceChildren.apply(list, rows);
    list.hidden = rows.length === 0;
    floorPanel.querySelector("[data-live-queue-empty]").hidden = rows.length > 0;
    actions.replaceChildren();
    if (live.open && live.canRaise && !speakingMine) {
      if (mine) {
        actions.append(liveForm({ action: "withdraw" }, liveButton(t("lower"), "", "withdraw", "btn--secondary")));
      } else {
        actions.append(liveForm({ action: "raise", for: "self" },
                                liveButton(t("raise"), "", "raise-self", "btn--primary")));
        if (live.canRaiseFor) {
          actions.append(liveForm({ action: "raise", for: "jurisdiction" },
                                  liveButton(t("raise-for", { label: live.canRaiseFor }), "",
                                             "raise-jurisdiction", "btn--secondary")));
        }
      }
    }
    if (live.canRun && live.open && rows.length) {
      actions.append(liveForm({ action: "clear" },
                              liveButton(t("clear-queue"), "", "clear", "btn--link btn--link-danger")));
    }
    floorPanel.hidden = !live.open && rows.length === 0;
    refocus(floorPanel, focus);
  }

  // Minutes drafted live (those who run the session)

  function canNote() { return !!(live && live.canRun && live.open && minutesForm); }

  function renderMinutes() {
    if (!minutesPanel) { return; }
    var item = currentItem();
    minutesPanel.querySelector("[data-live-minutes-for]").textContent =
      item ? t("minutes-for", { title: item.title }) : t("minutes-none");
    minutesPanel.hidden = !canNote();
  }

  function showActionFields() { // owner and due date: for an action only
    var kind = minutesForm.querySelector("input[name=kind]:checked");
    minutesForm.querySelector("[data-live-action-fields]").hidden = !kind || kind.value !== "action";
  }

  function useMessage(item) { // the note is taken from this message of the room (null: none)
    minutesForm.querySelector("[data-live-seq]").value = item ? item.getAttribute("data-seq") : "";
    minutesForm.querySelector("[data-live-from]").hidden = !item;
    minutesForm.querySelector("[data-live-from-text]").textContent = item
      ? t("from-message", { name: item.querySelector(".chat-message__author").textContent }) : "";
  }

  function addToMinutes(item) { // "To minutes" among a message's actions
    if (!canNote() || !item.getAttribute("data-seq") || item.querySelector("[data-live-to-minutes]") ||
        item.matches(".chat-message--deleted, .chat-message--hidden")) { return; }
    var actions = item.querySelector(".chat-message__actions");
    var name = item.querySelector(".chat-message__author").textContent;
    var button = el("button", "btn btn--link btn--small", t("to-minutes"));
    if (!actions) { actions = item.appendChild(el("div", "chat-message__actions")); }
    button.type = "button";
    button.setAttribute("data-live-to-minutes", "");
    button.append(hiddenText(" " + t("hide-who", { name: name })));
    actions.hidden = false;
    actions.append(button);
  }

  function decorateMessages() {
    if (canNote()) { items().forEach(addToMinutes); return; }
    root.querySelectorAll("[data-live-to-minutes]").forEach(function (button) { button.remove(); });
  }

  function frameFor(form) { // a panel's form as the frame that does the same over the socket
    var data = new FormData(form), frame = null;
    switch (data.get("action")) {
      case "move": frame = { type: "agenda.move", item: Number(data.get("item")) }; break;
      case "raise": frame = { type: "floor.raise", for: data.get("for") === "jurisdiction" ? "jurisdiction" : "self" }; break;
      case "withdraw": frame = { type: "floor.withdraw" }; break;
      case "give": frame = { type: "floor.give", request: Number(data.get("request")) }; break;
      case "skip": frame = { type: "floor.skip", request: Number(data.get("request")) }; break;
      case "clear": frame = { type: "floor.clear" }; break;
      case "note":
        frame = { type: "minutes.note", kind: String(data.get("kind") || "summary"), text: String(data.get("text") || "") };
        if (Number(data.get("seq"))) { frame.seq = Number(data.get("seq")); }
        if (frame.kind === "action") {
          if (/^\d+$/.test(data.get("owner") || "")) { frame.owner = Number(data.get("owner")); }
          if (data.get("due")) { frame.due = String(data.get("due")); }
        }
        break;
    }
    return frame;
  }

  function showLiveError(detail) { // next to the panel whose form was sent
    var panel = live.actionPanel || panels;
    live.actionAt = 0;
    panel.querySelector("[data-live-error]").textContent = detail;
  }

  function liveFrame(frame) {
    var agenda = frame.agenda || { items: [], current: null }, floor = frame.floor || { speaking: null, queue: [] };
    var mine = floor.queue.find(isMine), current;
    live.open = frame.status === "live";
    // The clock counts from the server's start time: measure this browser's clock against the server's.
    if (frame.now) { live.skew = Date.now() - parseTime(frame.now); }
    live.agenda = agenda;
    live.floor = floor;
    current = currentItem();
    if (current && current.id !== live.currentId) { announce(t("now-discussing", { title: current.title })); }
    if (floor.speaking && floor.speaking.id !== live.speakingId) {
      announce(t("has-floor", { name: floor.speaking.person.name }));
    }
    if (mine && mine.id !== live.mineId) {
      announce(t("hand-raised"));
    } else if (!mine && live.mineId && !(floor.speaking && floor.speaking.id === live.mineId)) {
      announce(t("hand-lowered")); // (given the floor is said above)
    }
    live.currentId = current ? current.id : null;
    live.speakingId = floor.speaking ? floor.speaking.id : null;
    live.mineId = mine ? mine.id : null;
    renderAgenda();
    renderFloor();
    renderMinutes();
    decorateMessages();
    // The panels now show the server's state, their clock measured against the server's.
    panels.setAttribute("data-live-synced", "");
  }

  function liveClosed() { // the session ended: its clock stopped and its queue emptied
    var item = currentItem();
    if (item) { item.used = Math.floor(usedNow(item)); }
    live.open = false;
    live.agenda.current = null;
    live.floor = { speaking: null, queue: [] };
    live.currentId = live.speakingId = live.mineId = null;
    renderAgenda();
    renderFloor();
    renderMinutes();
    decorateMessages();
    panels.querySelectorAll("[data-live-agenda] [data-live-form], [data-live-floor] [data-live-form]")
      .forEach(function (form) { form.remove(); });
  }

  // ------------------------------------------------------------------ the socket

  var handlers = {
    ready: function (frame) {
      connected = everConnected = true;
      attempt = 0;
      if (window.EnclaveLive) { window.EnclaveLive.socket = true; } // the page's poll pauses
      me = frame.me;
      canModerate = frame.can_moderate;
      if (live) { // a session's room: what the reader may do to run it (the `live` frame follows)
        live.canRun = !!frame.can_run;
        live.canRaise = !!frame.can_raise;
        live.canRaiseFor = frame.can_raise_for || "";
      }
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
      if (live && !frame.client_id && live.actionAt && Date.now() - live.actionAt < LIVE_ERROR_MS) {
        showLiveError(frame.detail); // refused: a panel's action, sent just before
        return;
      }
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
      if (frame.closed && live) { liveClosed(); }
      setLocked(frame.locked);
    },
    live: function (frame) { if (live) { liveFrame(frame); } },
    "minutes.noted": function (frame) { // the draft is in the minutes: say so, empty the form
      if (!minutesForm) { return; }
      live.actionAt = 0;
      minutesPanel.querySelector("[data-live-noted]").textContent = frame.detail;
      minutesForm.querySelector("textarea[name=text]").value = "";
      minutesForm.querySelector("select[name=owner]").value = "";
      minutesForm.querySelector("input[name=due]").value = "";
      useMessage(null);
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
    var options = { credentials: "same-origin", redirect: "manual", cache: "no-store",
      headers: { "X-Enclave-Background": "1" } }; // the page asking: not the official's activity
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

  if (live) { // a session's room: the panels go live too
    live.csrf = (root.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
    live.agenda = agendaFromPage();
    live.currentId = live.agenda.current ? live.agenda.current.id : null;
    [["speakingId", "[data-speaking]"], ["mineId", "[data-mine]:not([data-speaking])"]].forEach(function (pair) {
      var row = panels.querySelector("[data-live-queue] > " + pair[1]);
      live[pair[0]] = row ? Number(row.getAttribute("data-hand")) : null;
    });
    renderAgenda();
    renderMinutes();
    decorateMessages();
    panels.addEventListener("submit", function (event) {
      var form = event.target.closest("[data-live-form]"), frame = form && frameFor(form);
      if (!frame || !connected) { return; } // no socket: the plain form posts
      event.preventDefault();
      live.actionPanel = form.closest("section");
      live.actionPanel.querySelectorAll("[data-live-error], [data-live-noted]").forEach(function (line) {
        line.textContent = "";
      });
      live.actionAt = Date.now();
      send(frame);
    });
    if (minutesForm) {
      showActionFields();
      minutesForm.addEventListener("change", function (event) {
        if (event.target.name === "kind") { showActionFields(); }
      });
      minutesForm.querySelector("[data-live-from-clear]").addEventListener("click", function () {
        useMessage(null);
        minutesForm.querySelector("textarea[name=text]").focus();
      });
      list.addEventListener("click", function (event) {
        var button = event.target.closest("[data-live-to-minutes]");
        if (!button) { return; }
        useMessage(button.closest("li[data-seq]"));
        minutesForm.querySelector("textarea[name=text]").focus();
      });
    }
  }

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
