"""What the library knows of a document beside the document: the choices its facets offer and
the one gate every stored value passes (`clean_metadata`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Jurisdiction
from partnership.models import LibraryEntry

# The languages documents are written in, by their own names (not translated: a reader looks
# for the name they read), then "other".
LANGUAGES: list[tuple[str, str]] = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("pt", "Português"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("zh", "中文"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("other", gettext_lazy("Another language")),
]
LANGUAGE_NAMES = dict(LANGUAGES)
FIRST_YEAR = 1990


def last_year() -> int:
    return timezone.localdate().year + 1


@dataclass(frozen=True)
class Metadata:
    kind: str
    topic: str
    year: int
    language: str
    jurisdictions: tuple[Jurisdiction, ...] = ()

    def checked(self) -> Metadata:
        """These values through the gate (services call it: a form is not the only caller)."""
        return clean_metadata(
            kind=self.kind,
            topic=self.topic,
            year=self.year,
            language=self.language,
            jurisdictions=self.jurisdictions,
        )


def clean_metadata(*, kind: str, topic: str, year, language: str, jurisdictions=()) -> Metadata:
    """Every value checked, every fault named beside its field (a ValidationError keyed by
    field): nothing is stored unless all are right."""
    errors: dict[str, str] = {}
    if kind not in LibraryEntry.Kind.values:
        errors["kind"] = _("Choose the type of document.")
    if topic not in LibraryEntry.Topic.values:
        errors["topic"] = _("Choose a topic.")
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = None
    if year is None or not FIRST_YEAR <= year <= last_year():
        errors["year"] = _("Give a year between %(first)s and %(last)s.") % {
            "first": FIRST_YEAR,
            "last": last_year(),
        }
    if language not in LANGUAGE_NAMES:
        errors["language"] = _("Choose the document's language.")
    chosen = tuple(jurisdictions)
    if any(not isinstance(j, Jurisdiction) for j in chosen):
        errors["jurisdictions"] = _("Choose jurisdictions from the list.")
    if errors:
        raise ValidationError(errors)
    return Metadata(kind, topic, year, language, chosen)
