"""The library's forms: sharing a document with its details, changing the details, and the
list's search and facets."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction
from partnership.library.metadata import FIRST_YEAR, LANGUAGES, Metadata, last_year
from partnership.models import LibraryEntry
from workspaces.forms import DocumentUploadForm
from workspaces.models import Audience

# The library is read by the whole partnership, not a roster: its audiences say so.
LIBRARY_AUDIENCES = [
    (Audience.EVERYONE, _("All members, observers included")),
    (Audience.FULL_MEMBERS, _("Full members only")),
]


class MetadataForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=LibraryEntry.Kind.choices)
    topic = forms.ChoiceField(label=_("Topic"), choices=LibraryEntry.Topic.choices)
    language = forms.ChoiceField(label=_("Language of the document"), choices=LANGUAGES)
    jurisdictions = forms.ModelMultipleChoiceField(
        label=_("Jurisdictions concerned"),
        queryset=Jurisdiction.objects.order_by("name"),
        to_field_name="code",  # a code, never a number a database could not hold
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("None: the document concerns emissions trading in general."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The last year offered moves with the calendar, so it is set per form.
        # ... and says what the metadata gate says of a year out of range.
        outside = gettext("Give a year between %(first)s and %(last)s.") % {
            "first": FIRST_YEAR,
            "last": last_year(),
        }
        self.fields["year"] = forms.IntegerField(
            label=_("Year"),
            min_value=FIRST_YEAR,
            max_value=last_year(),
            error_messages={"min_value": outside, "max_value": outside, "invalid": outside},
        )

    def metadata(self) -> Metadata:
        data = self.cleaned_data
        chosen = tuple(data["jurisdictions"])
        return Metadata(data["kind"], data["topic"], data["year"], data["language"], chosen)


class LibraryShareForm(DocumentUploadForm, MetadataForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = LIBRARY_AUDIENCES
        self.fields["tags"].help_text = _("Separated by commas, e.g. “auctions, price floor”.")


class LibraryFilterForm(forms.Form):
    """The list's search box and facets; a value that is not offered is ignored, not an error
    (a link kept from before a change still opens the library)."""

    q = forms.CharField(label=_("Search the library"), max_length=200, required=False)
    kind = forms.ChoiceField(choices=LibraryEntry.Kind.choices, required=False)
    topic = forms.ChoiceField(choices=LibraryEntry.Topic.choices, required=False)
    year = forms.IntegerField(required=False)
    language = forms.ChoiceField(choices=LANGUAGES, required=False)
    jurisdiction = forms.SlugField(required=False)

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {key: value for key, value in data.items() if value not in ("", None)}
