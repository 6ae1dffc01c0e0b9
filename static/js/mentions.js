// @mention suggestions for textareas with data-mentions-url. Without this file, typing @handle
// still works: the server resolves mentions when the post is saved.
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  // "@" not preceded by a word character, "@" or "/" (as on the server), then 1+ handle chars.
  var TRIGGER = /(^|[^\w@\/])@([a-z0-9._-]{1,63})$/i;
  var count = 0;

  function setup(textarea) {
    var url = textarea.getAttribute("data-mentions-url");
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var timer = null, controller = null; // pending debounce and request
    var results = [], active = -1, start = -1; // shown people, highlighted one, where "@" is

    count += 1;
    list.id = "mentions-" + count;
    list.className = "mentions-listbox";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", textarea.getAttribute("data-mentions-label") || "People");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    textarea.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    // A textarea may not take role="combobox" (ARIA in HTML); as a textbox it supports these.
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-haspopup", "listbox");
    textarea.setAttribute("aria-controls", list.id);

    function close() {
      window.clearTimeout(timer);
      if (controller) {
        controller.abort();
        controller = null;
      }
      results = [];
      active = -1;
      list.hidden = true;
      list.replaceChildren();
      textarea.removeAttribute("aria-activedescendant");
      textarea.classList.remove("mentions-open");
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      textarea.setAttribute("aria-activedescendant", list.id + "-" + index);
      list.children[index].scrollIntoView({ block: "nearest" });
    }

    function render(people) {
      results = people;
      list.replaceChildren();
      if (!people.length) {
        close();
        return;
      }
      people.forEach(function (person, i) {
        var option = document.createElement("li");
        var name = document.createElement("span");
        var meta = document.createElement("span");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        name.className = "mentions-listbox__name";
        name.textContent = person.name;
        meta.className = "mentions-listbox__meta";
        meta.textContent = "@" + person.handle + " · " + person.affiliation;
        option.append(name, " ", meta);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus (and the caret) in the textarea
        });
        option.addEventListener("click", function () {
          choose(i);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      textarea.classList.add("mentions-open");
      highlight(0);
      status.textContent = (textarea.getAttribute("data-mentions-status") || "%(count)s")
        .replace("%(count)s", String(people.length));
    }

    function search(query) {
      var audienceId = textarea.getAttribute("data-mentions-audience");
      var audience = audienceId ? document.getElementById(audienceId) : null;
      var address = url + (url.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(query);
      if (audience && audience.value) {
        address += "&audience=" + encodeURIComponent(audience.value);
      }
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      fetch(address, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller.signal,
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          render((data && data.results) || []);
        })
        .catch(function () {
          // Aborted by a newer request, or offline: typing goes on without suggestions.
        });
    }

    function choose(index) {
      var person = results[index];
      var caret = textarea.selectionStart;
      if (!person || start < 0) {
        return;
      }
      var before = textarea.value.slice(0, start) + "@" + person.handle + " ";
      textarea.value = before + textarea.value.slice(caret);
      textarea.setSelectionRange(before.length, before.length);
      close();
      textarea.focus();
    }

    textarea.addEventListener("input", function () {
      var caret = textarea.selectionStart;
      var match = caret === textarea.selectionEnd && TRIGGER.exec(textarea.value.slice(0, caret));
      window.clearTimeout(timer);
      if (!match) {
        close();
        return;
      }
      start = caret - match[2].length - 1;
      timer = window.setTimeout(function () {
        search(match[2]);
      }, DEBOUNCE_MS);
    });

    textarea.addEventListener("keydown", function (event) {
      if (list.hidden) {
        return;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + results.length) % results.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        close();
      }
    });

    textarea.addEventListener("blur", close);
  }

  document.querySelectorAll("textarea[data-mentions-url]").forEach(setup);
})();
