// Document uploads (form[data-upload]): a drop zone around the file input and, with
// XMLHttpRequest, a progress bar. Without this file the form posts normally; the native file
// input stays usable by keyboard either way.
(function () {
  "use strict";

  function hasFiles(event) {
    var types = event.dataTransfer ? event.dataTransfer.types : [];
    return Array.prototype.indexOf.call(types, "Files") !== -1;
  }

  function setup(form) {
    var input = form.querySelector("input[type=file]");
    var zone = form.querySelector("[data-dropzone]");
    var chosen = form.querySelector("[data-upload-chosen]");
    var progress = form.querySelector("[data-upload-progress]");
    var bar = progress ? progress.querySelector("progress") : null;
    var percent = form.querySelector("[data-upload-percent]");
    var failed = form.querySelector("[data-upload-failed]");
    var button = form.querySelector("[type=submit]");
    var format = new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "percent" });
    if (!input || !zone) return;
    form.querySelectorAll("[data-upload-hint]").forEach(function (hint) { hint.hidden = false; });
    zone.classList.add("dropzone--enhanced");

    function showChosen() {
      var file = input.files && input.files[0];
      chosen.hidden = !file;
      chosen.querySelector("[data-upload-filename]").textContent = file ? file.name : "";
    }

    input.addEventListener("change", showChosen);
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        if (hasFiles(event)) {
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
          zone.classList.add("dropzone--over");
        }
      });
    });
    zone.addEventListener("dragleave", function (event) {
      if (!zone.contains(event.relatedTarget)) zone.classList.remove("dropzone--over");
    });
    zone.addEventListener("drop", function (event) {
      zone.classList.remove("dropzone--over");
      if (!hasFiles(event) || !event.dataTransfer.files.length) return;
      event.preventDefault();
      var transfer = new DataTransfer(); // one file, even when several are dropped
      transfer.items.add(event.dataTransfer.files[0]);
      input.files = transfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });

    if (!window.XMLHttpRequest || !window.FormData || !bar) return;
    form.addEventListener("submit", function (event) {
      var xhr = new XMLHttpRequest();
      var announced = -1;
      event.preventDefault();

      function update(value) {
        bar.value = value; // the bar moves continuously; the spoken text in steps of 10 %
        if (announced < 0 || value === 100 || value - announced >= 10) {
          announced = value;
          percent.textContent = format.format(value / 100);
        }
      }

      function fail() {
        progress.hidden = true;
        button.disabled = false;
        failed.hidden = false;
      }

      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) update(Math.floor((e.loaded / e.total) * 100));
      });
      xhr.addEventListener("load", function () {
        var created = xhr.status === 201 && xhr.getResponseHeader("Location");
        if (created || (xhr.status < 300 && xhr.responseURL && xhr.responseURL !== form.action)) {
          window.location = created || xhr.responseURL; // the server redirected: follow it
        } else if (!replaceMain(xhr.responseText)) {
          fail();
        }
      });
      ["error", "abort", "timeout"].forEach(function (type) { xhr.addEventListener(type, fail); });
      failed.hidden = true;
      progress.hidden = false;
      button.disabled = true;
      update(0);
      xhr.send(new FormData(form));
    });
  }

  // A re-rendered form (say, 400 with errors): swap in its <main>, enhance it, focus the problem.
  function replaceMain(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var next = page.querySelector("main");
    var main = document.querySelector("main");
    if (!next || !main) return false;
    main.replaceChildren.apply(main, Array.prototype.slice.call(next.childNodes));
    document.title = page.title;
    init(main);
    var target = main.querySelector("[aria-invalid=true]") || main.querySelector(".form-errors");
    if (target && !target.matches("input, select, textarea")) {
      target.setAttribute("tabindex", "-1");
    }
    (target || main).focus();
    return true;
  }

  function init(root) {
    root.querySelectorAll("form[data-upload]").forEach(setup);
  }

  init(document);
})();
