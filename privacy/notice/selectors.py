"""What the privacy page and its editing page read. The notice is public: nothing here asks the
policy (the editing page does, in its view)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from privacy.models import PrivacyNotice


def _supported(language: str) -> str:
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return settings.LANGUAGE_CODE


def notice_for(language: str) -> PrivacyNotice | None:
    """The notice a reader in `language` reads: its own text, else the default language's
    (English), else None: the page then shows the built-in notice."""
    wanted = list(dict.fromkeys([_supported(language), settings.LANGUAGE_CODE]))
    found = {n.language: n for n in PrivacyNotice.objects.filter(language__in=wanted)}
    return next((found[code] for code in wanted if code in found), None)


@dataclass(frozen=True)
class NoticeLanguage:
    """One of the languages Enclave offers, and its own text of the notice, if any."""

    code: str
    name: str
    notice: PrivacyNotice | None


def notice_languages() -> list[NoticeLanguage]:
    """Every language Enclave offers, in the settings' order, each with its text (or None)."""
    notices = {n.language: n for n in PrivacyNotice.objects.select_related("updated_by")}
    return [
        NoticeLanguage(code=code, name=name, notice=notices.get(code))
        for code, name in settings.LANGUAGES
    ]
