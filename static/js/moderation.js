// Moderation dialogs on the thread page (templates/dialogues/threads/_moderation_dialog.html).
// Without this file each button is a link to the action's own page, with the same form.
(function () {
  "use strict";

  // The id of the button that opened the dialog: focus goes back to it (or to the button with
  // the same id in the fragment that replaced it) when the dialog closes.
  var openerId = null;

  function reasonField(dialog) {
    return dialog.querySelector('[aria-invalid="true"]') || dialog.querySelector('input[name="reason"]');
  }

  function returnFocus() {
    var opener = openerId && document.getElementById(openerId);
    if (opener) {
      opener.focus();
    }
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) {
      return;
    }
    var opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (!dialog || typeof dialog.showModal !== "function") {
        return; // the link's own page, then
      }
      event.preventDefault();
      openerId = opener.id;
      dialog.showModal();
      var field = reasonField(dialog);
      if (field) {
        field.focus();
      }
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer && closer.closest("dialog")) {
      closer.closest("dialog").close();
    }
  });

  // Escape closes a modal dialog by itself; every close gives focus back to the button.
  document.addEventListener(
    "close",
    function (event) {
      if (event.target.tagName === "DIALOG") {
        returnFocus();
      }
    },
    true
  );

  // After an answer: errors came back into the open dialog (focus the field that has them), or
  // the action is done and its dialog went with the part the answer replaced.
  document.addEventListener("htmx:afterSettle", function () {
    var open = document.querySelector("dialog.mod-dialog[open]");
    if (open) {
      var field = reasonField(open);
      if (field) {
        field.focus();
      }
      return;
    }
    returnFocus();
  });
})();
