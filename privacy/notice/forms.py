"""The privacy notice's form: the language it is for (chosen by the page's tabs) and its text."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

SOURCE_HELP = _(
    "Markdown: # headings, **bold**, *italic*, lists, > quotes, [links](https://…). Raw HTML "
    "is shown as text."
)


class PrivacyNoticeForm(forms.Form):
    # The service checks the language (one of settings.LANGUAGES) and the text's length, and
    # says what is wrong beside the field.
    language = forms.CharField(required=False, widget=forms.HiddenInput)
    source = forms.CharField(
        label=_("Text of the notice"),
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
        help_text=SOURCE_HELP,
        error_messages={"required": _("Write the notice first.")},
    )

    def __init__(self, *args, language: str, language_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].label = _("Text of the notice in %(language)s") % {
            "language": language_name
        }
        # Spelling and screen readers follow the text's own language, not the page's.
        self.fields["source"].widget.attrs["lang"] = language
