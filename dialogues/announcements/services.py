"""Announcements: every write (post, edit, withdraw; a reader's read marks).

The Secretariat and the Co-Chairs (who hold POST_ANNOUNCEMENTS) post to all members (observers
included), to full members only, or to the officials of chosen jurisdictions; they edit and
withdraw what they posted, as a team. Posting rings the bell of every reader with standing and
emails them per their preference, once it commits. Bad input is refused with a message per
field and changes nothing. Each service is keyword-only, atomic, and asks the policy first.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import Sentence, audit_record, sentence
from accounts.models import AuditEvent, Jurisdiction, User
from core.markup import plain_excerpt, render_markdown
from dialogues.models import Announcement, AnnouncementRead
from dialogues.notifications.services import announcement_notices_read, announcement_notify
from workspaces.access import (
    Capability,
    PartnershipAudience,
    partnership_audiences_for,
    require,
    visible,
)

MAX_TITLE = 200
MAX_BODY = 20_000
EXCERPT_LENGTH = 300  # the stored plain excerpt (Announcement.body_excerpt)
SCOPE = "announcements"


def _cleaned(
    *,
    actor: User,
    title: str,
    body: str,
    audience: str,
    jurisdictions: Iterable[Jurisdiction],
    show_until: datetime.datetime | None,
) -> tuple[str, str, list[Jurisdiction]]:
    """The title, body and chosen jurisdictions as stored; every mistake at once, by field."""
    errors: dict[str, str] = {}
    title = (title or "").strip()
    body = (body or "").strip()
    chosen = list(dict.fromkeys(jurisdictions or ()))
    if not title:
        errors["title"] = _("Give the announcement a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("A title can be at most %(limit)s characters long.") % {
            "limit": MAX_TITLE
        }
    if not body:
        errors["body"] = _("Write the announcement first.")
    elif len(body) > MAX_BODY:
        errors["body"] = _("An announcement can be at most %(limit)s characters long.") % {
            "limit": f"{MAX_BODY:,}"
        }
    if audience not in partnership_audiences_for(actor):
        errors["audience"] = _("Choose who the announcement is for.")
    elif audience == PartnershipAudience.JURISDICTIONS:
        former = [j for j in chosen if j.status == Jurisdiction.Status.FORMER]
        if not chosen:
            errors["jurisdictions"] = _("Choose at least one jurisdiction.")
        elif former:
            errors["jurisdictions"] = _("%(name)s is a former member.") % {"name": former[0]}
    else:
        chosen = []  # addressed to everyone or to full members: no jurisdiction is kept
    if show_until is not None and show_until <= timezone.now():
        errors["show_until"] = _("The date to show it until has passed.")
    if errors:
        raise ValidationError(errors)
    return title, body, chosen


def _audience_sentence(
    announcement: Announcement, codes: list[str], *, to_all: str, to_chosen: str
) -> Sentence:
    """What the audit log says of a post or an edit: `to_chosen` names the jurisdictions by
    code, `to_all` the audience."""
    if codes:
        return sentence(to_chosen, announcement=announcement.pk, jurisdictions=", ".join(codes))
    return sentence(
        to_all,
        announcement=announcement.pk,
        audience_label=PartnershipAudience(announcement.audience).label,
    )


@transaction.atomic
def announcement_post(
    *,
    actor: User,
    title: str,
    body: str,
    audience: str,
    jurisdictions: Iterable[Jurisdiction] = (),
    show_until: datetime.datetime | None = None,
    email_excerpt: bool = False,
    request: HttpRequest | None = None,
) -> Announcement:
    """Post an announcement to `audience` (with `jurisdictions`, for chosen jurisdictions),
    shown on its readers' dashboards until read (and until `show_until`, when given)."""
    require(actor, Capability.POST_ANNOUNCEMENTS)
    title, body, chosen = _cleaned(
        actor=actor,
        title=title,
        body=body,
        audience=audience,
        jurisdictions=jurisdictions,
        show_until=show_until,
    )
    html = render_markdown(body)
    announcement = Announcement.objects.create(
        title=title,
        body_source=body,
        body_html=html,
        body_excerpt=plain_excerpt(html, EXCERPT_LENGTH),
        author=actor,
        audience=audience,
        show_until=show_until,
        email_excerpt=bool(email_excerpt),
    )
    announcement.jurisdictions.set(chosen)
    # Its author has read it: it is not news on their own dashboard.
    AnnouncementRead.objects.create(announcement=announcement, user=actor)
    codes = sorted(j.code for j in chosen)
    audit_record(
        action=AuditEvent.Action.ANNOUNCEMENT_POSTED,
        actor=actor,
        scope=SCOPE,
        summary=_audience_sentence(
            announcement,
            codes,
            to_all=gettext_noop("Announcement %(announcement)s posted to %(audience_label)s"),
            to_chosen=gettext_noop(
                "Announcement %(announcement)s posted to chosen jurisdictions: %(jurisdictions)s"
            ),
        ),
        detail={"announcement": announcement.pk, "audience": audience, "jurisdictions": codes},
        request=request,
    )
    announcement_notify(announcement=announcement, actor=actor)
    return announcement


def _locked(announcement: Announcement) -> Announcement:
    return Announcement.objects.select_for_update().get(pk=announcement.pk)


@transaction.atomic
def announcement_edit(
    *,
    actor: User,
    announcement: Announcement,
    title: str,
    body: str,
    audience: str,
    jurisdictions: Iterable[Jurisdiction] = (),
    show_until: datetime.datetime | None = None,
    email_excerpt: bool = False,
    request: HttpRequest | None = None,
) -> Announcement:
    """Change an announcement (those who post announcements, as a team). Its readers' read
    marks stay; whoever the new audience leaves out stops seeing it, and its notices to them
    with it. Nobody is notified again."""
    require(actor, Capability.POST_ANNOUNCEMENTS, announcement)
    announcement = _locked(announcement)
    title, body, chosen = _cleaned(
        actor=actor,
        title=title,
        body=body,
        audience=audience,
        jurisdictions=jurisdictions,
        show_until=show_until,
    )
    announcement.title = title
    announcement.body_source = body
    announcement.body_html = render_markdown(body)
    announcement.body_excerpt = plain_excerpt(announcement.body_html, EXCERPT_LENGTH)
    announcement.audience = audience
    announcement.show_until = show_until
    announcement.email_excerpt = bool(email_excerpt)
    announcement.edited_at = timezone.now()
    announcement.edited_by = actor
    announcement.save()
    announcement.jurisdictions.set(chosen)
    codes = sorted(j.code for j in chosen)
    audit_record(
        action=AuditEvent.Action.ANNOUNCEMENT_EDITED,
        actor=actor,
        scope=SCOPE,
        summary=_audience_sentence(
            announcement,
            codes,
            to_all=gettext_noop("Announcement %(announcement)s edited, for %(audience_label)s"),
            to_chosen=gettext_noop(
                "Announcement %(announcement)s edited, for chosen jurisdictions: %(jurisdictions)s"
            ),
        ),
        detail={"announcement": announcement.pk, "audience": audience, "jurisdictions": codes},
        request=request,
    )
    return announcement


@transaction.atomic
def announcement_withdraw(
    *, actor: User, announcement: Announcement, request: HttpRequest | None = None
) -> Announcement:
    """Withdraw an announcement: from then on nobody reads it (lists, dashboards, the bell,
    emails not yet sent). Kept, with who withdrew it and when, for the audit log."""
    require(actor, Capability.POST_ANNOUNCEMENTS, announcement)
    announcement = _locked(announcement)
    announcement.withdrawn_at = timezone.now()
    announcement.withdrawn_by = actor
    announcement.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit_record(
        action=AuditEvent.Action.ANNOUNCEMENT_WITHDRAWN,
        actor=actor,
        scope=SCOPE,
        summary=sentence(
            gettext_noop("Announcement %(announcement)s withdrawn"), announcement=announcement.pk
        ),
        detail={"announcement": announcement.pk},
        request=request,
    )
    return announcement


@transaction.atomic
def announcement_mark_read(*, actor: User, announcement: Announcement) -> bool:
    """`actor` has read `announcement` (opening it does this): it leaves their dashboard and
    their bell. False when it was read already."""
    require(actor, Capability.VIEW, announcement)
    _mark, created = AnnouncementRead.objects.get_or_create(announcement=announcement, user=actor)
    announcement_notices_read(actor=actor, announcement_ids=[announcement.pk])
    return created


@transaction.atomic
def announcements_mark_all_read(*, actor: User) -> int:
    """Every announcement `actor` may read is read: their dashboard shows none. How many were
    unread."""
    readable = visible(actor, Announcement)
    read = AnnouncementRead.objects.filter(user=actor).values("announcement_id")
    unread = list(readable.exclude(pk__in=read).order_by("pk").values_list("pk", flat=True))
    AnnouncementRead.objects.bulk_create(
        [AnnouncementRead(announcement_id=pk, user=actor) for pk in unread],
        ignore_conflicts=True,
    )
    announcement_notices_read(actor=actor, announcement_ids=unread)
    return len(unread)
