// The profile's time zone: a city filter for the long list, and the zone this device reports.
// Progressive enhancement: without this file the plain <select> works (and is type-to-search).
(function () {
  "use strict";

  var select = document.querySelector("select[data-zone-select]");
  if (!select) {
    return;
  }
  var options = Array.prototype.slice.call(select.options);

  // "São Paulo", "sao_paulo" and "SAO PAULO" all read "sao paulo".
  function fold(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[_/]/g, " ")
      .toLowerCase();
  }

  var haystacks = options.map(function (option) {
    var group = option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
    return fold([option.text, option.value, option.getAttribute("data-aliases") || "", group].join(" "));
  });

  // The offered option for a zone name or one of its older names (Chromium reports Asia/Calcutta).
  function optionFor(zone) {
    for (var i = 0; i < options.length; i += 1) {
      var aliases = (options[i].getAttribute("data-aliases") || "").split(" ");
      if (options[i].value === zone || aliases.indexOf(zone) !== -1) {
        return options[i];
      }
    }
    return null;
  }

  var finder = document.querySelector("[data-zone-finder]");
  var filter = finder ? finder.querySelector("[data-zone-filter]") : null;
  var status = finder ? finder.querySelector("[data-zone-filter-status]") : null;
  if (filter && status) {
    finder.hidden = false;
    filter.addEventListener("input", function () {
      var terms = fold(filter.value).split(/\s+/).filter(Boolean);
      var first = null;
      var zones = {};
      options.forEach(function (option, index) {
        var match = terms.every(function (term) {
          return haystacks[index].indexOf(term) !== -1;
        });
        option.hidden = !match;
        if (match) {
          zones[option.value] = true;
          first = first || option;
        }
      });
      select.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      if (!terms.length) {
        status.textContent = "";
        return;
      }
      if (first) {
        first.selected = true;
        select.dispatchEvent(new Event("change"));
        status.textContent = status.dataset.some.replace("{count}", Object.keys(zones).length);
      } else {
        status.textContent = status.dataset.none;
      }
    });
  }

  // Suggest (never choose unasked) the zone this device is set to, when it is not chosen yet.
  var device = document.querySelector("[data-zone-device]");
  var deviceZone = null;
  try {
    deviceZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    deviceZone = null;
  }
  var suggestion = deviceZone ? optionFor(deviceZone) : null;
  if (!device || !suggestion) {
    return;
  }
  var button = device.querySelector("[data-zone-device-use]");
  button.textContent = button.dataset.template.replace("{zone}", suggestion.text);
  function update() {
    device.hidden = select.value === suggestion.value;
  }
  button.addEventListener("click", function () {
    select.value = suggestion.value;
    update();
    select.focus();
  });
  select.addEventListener("change", update);
  update();
})();
