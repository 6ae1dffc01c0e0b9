"""The privacy notice's writes: the Secretariat (EDIT_PRIVACY_NOTICE) saves the text of one
language, or removes it, so that its readers read the fallback again (English, then the
built-in notice).

The Markdown is rendered and sanitized once, on save (core.markup); the page shows the stored
HTML. The audit log records which language changed, never the text. Bad input is refused with
a message per field and stores nothing.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User
from core.markup import render_markdown
from privacy.models import PrivacyNotice
from workspaces.access import Capability, require

MAX_SOURCE = 50_000
SCOPE = "privacy"


def _language_error(language: str) -> str | None:
    if language not in dict(settings.LANGUAGES):
        return _("Choose one of the languages Enclave offers.")
    return None


def _cleaned(*, language: str, source: str) -> str:
    """The source as stored; every mistake at once, by field."""
    errors: dict[str, str] = {}
    source = (source or "").strip()
    if message := _language_error(language):
        errors["language"] = message
    if not source:
        errors["source"] = _("Write the notice first.")
    elif len(source) > MAX_SOURCE:
        errors["source"] = _("The notice can be at most %(limit)s characters long.") % {
            "limit": f"{MAX_SOURCE:,}"
        }
    if errors:
        raise ValidationError(errors)
    return source


def notice_html(source: str) -> str:
    """The notice's safe HTML. render_markdown demotes headings for posts, which sit under a
    page's own headings (`#` becomes h4); the notice is the page itself, under its h1 alone,
    so its headings go back up: its highest one becomes h2, the others keep their distance
    from it, and screen readers find them in order whether the text starts at `#` or `##`."""
    html = render_markdown(source)
    # Sanitized HTML: raw HTML in the source was escaped, so these tags are the renderer's own.
    levels = [int(level) for level in re.findall(r"<h([4-6])>", html)]
    if not levels:
        return html
    lift = min(levels) - 2
    return re.sub(r"<(/?)h([4-6])>", lambda m: f"<{m.group(1)}h{int(m.group(2)) - lift}>", html)


@transaction.atomic
def privacy_notice_save(
    *, actor: User, language: str, source: str, request: HttpRequest | None = None
) -> PrivacyNotice:
    """Store the notice in `language` (replacing its text, if it had one)."""
    require(actor, Capability.EDIT_PRIVACY_NOTICE)
    source = _cleaned(language=language, source=source)
    notice, created = PrivacyNotice.objects.update_or_create(
        language=language,
        defaults={
            "source": source,
            "html": notice_html(source),
            "updated_at": timezone.now(),
            "updated_by": actor,
        },
    )
    audit_record(
        action=AuditEvent.Action.PRIVACY_NOTICE_CHANGED,
        actor=actor,
        scope=SCOPE,
        summary=sentence(gettext_noop("Privacy notice saved in %(language)s"), language=language),
        detail={"language": language, "change": "created" if created else "edited"},
        request=request,
    )
    return notice


@transaction.atomic
def privacy_notice_remove(
    *, actor: User, language: str, request: HttpRequest | None = None
) -> None:
    """Remove the notice's text in `language`: its readers read the fallback again."""
    require(actor, Capability.EDIT_PRIVACY_NOTICE)
    if message := _language_error(language):
        raise ValidationError({"language": message})
    deleted, _counts = PrivacyNotice.objects.filter(language=language).delete()
    if not deleted:
        raise ValidationError(_("This language has no text of its own to remove."))
    audit_record(
        action=AuditEvent.Action.PRIVACY_NOTICE_CHANGED,
        actor=actor,
        scope=SCOPE,
        summary=sentence(
            gettext_noop("Privacy notice in %(language)s removed: its readers read the fallback"),
            language=language,
        ),
        detail={"language": language, "change": "removed"},
        request=request,
    )
