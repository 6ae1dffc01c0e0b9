"""Access that must be renewed: every official's access is valid until a review date, which their
sponsor (accounts.policy.sponsors_of) moves by confirming it; past the date, unconfirmed, the
account is suspended (no standing anywhere, nothing deleted) until a sponsor restores it.

The services a sponsor calls (`membership_confirm`, `membership_end`, `membership_restore`), the
reads of the review page and the membership page, and the daily run (`memberships_review`,
which `manage.py review_memberships` calls): ask sponsors 30 and 7 days before the date (an
email, and `accounts.signals.access_review_asked` for the bell the layers above ring), suspend
past it, report dormant accounts. Every step is audited; the run is idempotent (the audit log
says what was already asked and reported).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from core.mail import send_email

from .audit import SystemActor, audit_record, sentence
from .models import AuditEvent, Jurisdiction, User, next_access_review
from .policy import (
    can_end_membership,
    can_review,
    refusal,
    reviewable,
    sponsors_for,
)
from .services import official_deactivate, sessions_end_all, site_url
from .signals import announce_access_review_asked, announce_access_revoked

# Who acts when the date passes: no account, the daily run.
REVIEW_ACTOR = SystemActor(label="Enclave's access review")
# Days before the review date on which sponsors are asked; the page lists who is due within
# the first of them.
ASK_DAYS = (30, 7)
DUE_WITHIN_DAYS = ASK_DAYS[0]


def _today() -> datetime.date:
    return timezone.localdate()


# ------------------------------------------------------------------------------
# Who is due, suspended, dormant (as queries)
# ------------------------------------------------------------------------------


def under_review(on: str = "") -> Q:
    """Accounts the review concerns: active officials of a jurisdiction that is not former, or
    of the Secretariat; not the operator's own account. `on`: the same through a relation
    ("officials__")."""
    return (
        Q(**{f"{on}is_active": True, f"{on}is_superuser": False})
        & (Q(**{f"{on}jurisdiction__isnull": False}) | Q(**{f"{on}is_secretariat": True}))
        & (
            Q(**{f"{on}jurisdiction__isnull": True})
            | ~Q(**{f"{on}jurisdiction__status": Jurisdiction.Status.FORMER})
        )
    )


def due(today: datetime.date, on: str = "") -> Q:
    """Not suspended, and reviewed within DUE_WITHIN_DAYS (or already past the date)."""
    horizon = today + datetime.timedelta(days=DUE_WITHIN_DAYS)
    return Q(**{f"{on}suspended_at__isnull": True, f"{on}access_review_on__lte": horizon})


def suspended(on: str = "") -> Q:
    return Q(**{f"{on}suspended_at__isnull": False})


def dormant_since() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=settings.ENCLAVE_DORMANT_DAYS)


def dormant(on: str = "") -> Q:
    """Not suspended, and no sign-in for ENCLAVE_DORMANT_DAYS (never, for that long a member)."""
    cutoff = dormant_since()
    return Q(**{f"{on}suspended_at__isnull": True}) & (
        Q(**{f"{on}last_login__lt": cutoff})
        | Q(**{f"{on}last_login__isnull": True, f"{on}date_joined__lt": cutoff})
    )


def with_review_counts(jurisdictions: QuerySet[Jurisdiction]) -> QuerySet[Jurisdiction]:
    """The membership page's jurisdictions, each with `due_count`, `suspended_count` and
    `dormant_count` of its officials (in the page's own grouped query)."""
    today, on = _today(), "officials__"

    def among(condition: Q) -> Count:
        return Count("officials", filter=under_review(on) & condition, distinct=True)

    return jurisdictions.annotate(
        due_count=among(due(today, on)),
        suspended_count=among(suspended(on)),
        dormant_count=among(dormant(on)),
    )


# ------------------------------------------------------------------------------
# What a sponsor does: confirm, end, restore
# ------------------------------------------------------------------------------


def _locked(official: User) -> User:
    return (
        User.objects.select_for_update(of=("self",))
        .select_related("jurisdiction")
        .get(pk=official.pk)
    )


@transaction.atomic
def membership_confirm(*, actor: User, official: User, request: HttpRequest | None = None) -> User:
    """Confirm `official`'s access: their review date moves to a full period from today."""
    if not can_review(actor, official):
        raise refusal()
    official = _locked(official)
    if not official.is_active:
        raise ValidationError(_("This official is deactivated."))
    if official.suspended_at is not None:
        raise ValidationError(_("This official is suspended: restore their access instead."))
    previous = official.access_review_on
    official.access_review_on = next_access_review()
    official.last_confirmed_at = timezone.now()
    official.save(update_fields=["access_review_on", "last_confirmed_at"])
    audit_record(
        action=AuditEvent.Action.MEMBERSHIP_CONFIRMED,
        actor=actor,
        target_user=official,
        summary=sentence(
            gettext_noop("%(email)s: access confirmed until %(review_date)s"),
            email=official.email,
            review_date=official.access_review_on,
        ),
        detail={"review_on": str(official.access_review_on), "previous": str(previous)},
        request=request,
    )
    return official


@transaction.atomic
def membership_end(
    *, actor: User, official: User, reason: str, request: HttpRequest | None = None
) -> User:
    """End `official`'s access at once: the account is deactivated (sessions and sockets close,
    as any deactivation); what they wrote stays."""
    if not can_end_membership(actor, official):
        raise refusal()
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give a reason for ending this access."))
    official = official_deactivate(actor=actor, official=official, reason=reason, request=request)
    if official.suspended_at is not None:
        # Ended, not suspended: reactivating the account is the one way back.
        official.suspended_at = None
        official.save(update_fields=["suspended_at"])
    return official


@transaction.atomic
def membership_restore(*, actor: User, official: User, request: HttpRequest | None = None) -> User:
    """Restore a suspended official in one step, with a new review date."""
    if not can_review(actor, official):
        raise refusal()
    official = _locked(official)
    if not official.is_active or official.suspended_at is None:
        raise ValidationError(_("This official is not suspended."))
    official.suspended_at = None
    official.access_review_on = next_access_review()
    official.last_confirmed_at = timezone.now()
    official.save(update_fields=["suspended_at", "access_review_on", "last_confirmed_at"])
    audit_record(
        action=AuditEvent.Action.USER_RESTORED,
        actor=actor,
        target_user=official,
        summary=sentence(
            gettext_noop("%(email)s: access restored until %(review_date)s"),
            email=official.email,
            review_date=official.access_review_on,
        ),
        detail={"review_on": str(official.access_review_on)},
        request=request,
    )
    return official


@transaction.atomic
def membership_suspend(*, official: User, today: datetime.date) -> bool:
    """Suspend `official` when their review date is past and unconfirmed (the daily run; no
    account acts). Their sessions end and their sockets close. False when there is nothing to
    do (confirmed meanwhile, already suspended, deactivated)."""
    official = _locked(official)
    if (
        not official.is_active
        or official.suspended_at is not None
        or official.access_review_on >= today
    ):
        return False
    official.suspended_at = timezone.now()
    official.save(update_fields=["suspended_at"])
    ended = sessions_end_all(user=official)
    audit_record(
        action=AuditEvent.Action.USER_SUSPENDED,
        actor=REVIEW_ACTOR,
        target_user=official,
        summary=sentence(
            gettext_noop("%(email)s suspended: access not confirmed by %(review_date)s"),
            email=official.email,
            review_date=official.access_review_on,
        ),
        detail={"review_on": str(official.access_review_on), "sessions_ended": ended},
    )
    announce_access_revoked(sender=User, user_ids=[official.pk])
    return True


# ------------------------------------------------------------------------------
# The review page
# ------------------------------------------------------------------------------


@dataclass
class ReviewRow:
    """One official on the review page, with what the reader may do (from the policy).
    `dialogues`: those the reader may see, from the workspaces policy (`provide_rosters`)."""

    official: User
    review_on: datetime.date
    overdue: bool
    is_due: bool
    is_suspended: bool
    is_dormant: bool
    may_confirm: bool
    may_end: bool
    may_restore: bool
    dialogues: list = field(default_factory=list)


def review_rows(*, user: User) -> list[ReviewRow]:
    """Everyone the reader may review who is due, suspended or dormant: suspended first, then
    by review date."""
    today = _today()
    cutoff = dormant_since()
    officials = (
        reviewable(user)
        .filter(under_review() & (due(today) | suspended() | dormant()))
        .select_related("jurisdiction")
        .order_by(F("suspended_at").asc(nulls_last=True), "access_review_on", "pk")
    )
    rows = []
    for official in officials:
        is_suspended = official.suspended_at is not None
        seen = official.last_login or official.date_joined
        rows.append(
            ReviewRow(
                official=official,
                review_on=official.access_review_on,
                overdue=official.access_review_on < today,
                is_due=not is_suspended
                and official.access_review_on <= today + datetime.timedelta(DUE_WITHIN_DAYS),
                is_suspended=is_suspended,
                is_dormant=not is_suspended and seen < cutoff,
                may_confirm=not is_suspended and can_review(user, official),
                may_end=can_end_membership(user, official),
                may_restore=is_suspended and can_review(user, official),
            )
        )
    if rows and _rosters:
        found = _rosters[0](user, [row.official for row in rows])
        for row in rows:
            row.dialogues = found.get(row.official.pk, [])
    return rows


# The dialogues each official is on, among those the reader may see: the workspaces policy
# answers (accounts cannot import it; layers run one way), registered in its AppConfig.ready().
RostersProvider = Callable[[User, list[User]], dict[int, list]]
_rosters: list[RostersProvider] = []


def provide_rosters(provider: RostersProvider) -> None:
    _rosters[:] = [provider]


# ------------------------------------------------------------------------------
# The daily run
# ------------------------------------------------------------------------------


@dataclass
class ReviewRun:
    """What one run did: officials suspended, reviews asked, dormant accounts reported, and
    emails sent (one per sponsor at most)."""

    suspended: int = 0
    asked: int = 0
    dormant: int = 0
    emails: int = 0


@dataclass
class _Notice:
    """What one sponsor is told in this run."""

    due: list[tuple[User, int]] = field(default_factory=list)  # (official, days left)
    dormant: list[User] = field(default_factory=list)


def memberships_review(*, today: datetime.date | None = None) -> ReviewRun:
    """The daily work (idempotent: a second run the same day does and sends nothing)."""
    today = today or _today()
    run = ReviewRun()
    past = User.objects.filter(
        under_review(), suspended_at__isnull=True, access_review_on__lt=today
    )
    for official in past:
        run.suspended += membership_suspend(official=official, today=today)
    notices: dict[int, _Notice] = {}
    with transaction.atomic():
        asks = _asks_due(today)
        noticed = _dormant_unreported()
        for official, threshold in asks:
            audit_record(
                action=AuditEvent.Action.REVIEW_REQUESTED,
                actor=REVIEW_ACTOR,
                target_user=official,
                summary=sentence(
                    gettext_noop(
                        "%(email)s: access review requested (%(days)s days before %(review_date)s)"
                    ),
                    email=official.email,
                    days=threshold,
                    review_date=official.access_review_on,
                ),
                detail={"threshold": threshold, "review_on": str(official.access_review_on)},
            )
        for official in noticed:
            audit_record(
                action=AuditEvent.Action.DORMANT_NOTICED,
                actor=REVIEW_ACTOR,
                target_user=official,
                summary=sentence(
                    gettext_noop("%(email)s: no sign-in for %(days)s days"),
                    email=official.email,
                    days=settings.ENCLAVE_DORMANT_DAYS,
                ),
                detail={"last_login": str(official.last_login) if official.last_login else None},
            )
        sponsors = sponsors_for([o for o, _t in asks] + noticed)
        people: dict[int, User] = {}
        for official, _threshold in asks:
            days_left = (official.access_review_on - today).days
            for sponsor in _may_be_told(sponsors[official.pk], official):
                people[sponsor.pk] = sponsor
                notices.setdefault(sponsor.pk, _Notice()).due.append((official, days_left))
        for official in noticed:
            for sponsor in _may_be_told(sponsors[official.pk], official):
                people[sponsor.pk] = sponsor
                notices.setdefault(sponsor.pk, _Notice()).dormant.append(official)
        run.asked, run.dormant = len(asks), len(noticed)
        # The bell (the layers above ring it), once per sponsor, when the asks are committed.
        for pk, notice in notices.items():
            announce_access_review_asked(
                sender=User, sponsor=people[pk], due=len(notice.due), dormant=len(notice.dormant)
            )
    # Once the asks are recorded: a failed email is logged (core.mail), not asked again.
    for pk, notice in notices.items():
        run.emails += _tell_sponsor(people[pk], notice)
    return run


def _may_be_told(sponsors: list[User], official: User) -> list[User]:
    # Leak-safe by construction (sponsors see their officials), and asked again here: an email
    # names only officials its reader may review.
    return [s for s in sponsors if can_review(s, official)]


def _asks_due(today: datetime.date) -> list[tuple[User, int]]:
    """(official, threshold) for each official due to be asked today and not yet asked at that
    threshold for their current review date."""
    horizon = today + datetime.timedelta(days=ASK_DAYS[0])
    candidates = list(
        User.objects.filter(
            under_review(),
            suspended_at__isnull=True,
            access_review_on__gte=today,
            access_review_on__lte=horizon,
        ).select_related("jurisdiction")
    )
    asked = {
        (target, str(detail.get("review_on")), detail.get("threshold"))
        for target, detail in AuditEvent.objects.filter(
            action=AuditEvent.Action.REVIEW_REQUESTED,
            target_user__in=[o.pk for o in candidates],
        ).values_list("target_user_id", "detail")
        if isinstance(detail, dict)
    }
    found = []
    for official in candidates:
        days_left = (official.access_review_on - today).days
        threshold = min(d for d in ASK_DAYS if days_left <= d)
        if (official.pk, str(official.access_review_on), threshold) not in asked:
            found.append((official, threshold))
    return found


def _dormant_unreported() -> list[User]:
    """Dormant officials not yet reported since their last sign-in (once per dormancy)."""
    reported = AuditEvent.objects.filter(
        action=AuditEvent.Action.DORMANT_NOTICED,
        target_user=OuterRef("pk"),
        created_at__gte=Coalesce(OuterRef("last_login"), OuterRef("date_joined")),
    )
    return list(
        User.objects.filter(under_review() & dormant())
        .exclude(Exists(reported))
        .select_related("jurisdiction")
    )


def _tell_sponsor(sponsor: User, notice: _Notice) -> bool:
    """One email: the officials the sponsor is asked to review and those who went dormant, by
    name only, in the sponsor's language."""
    with translation.override(sponsor.language or settings.LANGUAGE_CODE):
        count = len(notice.due) + len(notice.dormant)
        subject = ngettext(
            "[Enclave] Access review: %(count)s official",
            "[Enclave] Access review: %(count)s officials",
            count,
        ) % {"count": count}
        context = {
            "sponsor": sponsor,
            "due": notice.due,
            "dormant": notice.dormant,
            "dormant_days": settings.ENCLAVE_DORMANT_DAYS,
            "url": f"{site_url(None)}{reverse('access_reviews')}",
        }
        body = render_to_string("accounts/email/access_review.txt", context)
    return send_email(kind="access_review", subject=subject, body=body, to=[sponsor.email])
