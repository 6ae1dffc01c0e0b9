"""Minutes of a dialogue session: who may read them, writing them per agenda item, actions,
sharing them for review and the review's comments. Each checks the policy first."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from core.markup import render_markdown
from dialogues.bodies import render_body
from dialogues.meetings.services import Status, locked_session, notify_roster, require_capability
from dialogues.models import (
    ActionItem,
    AgendaItem,
    DialogueSession,
    MinutesComment,
    MinutesEntry,
    Notification,
)
from workspaces.access import (
    Capability,
    can,
    item_capabilities,
    people_who_can_view,
    require,
    visible,
)


def minutes_visible(user: User, session: DialogueSession) -> bool:
    """Whether `user` may read the session's minutes now (the policy's release rule)."""
    written = session.status in (Status.MINUTES_IN_REVIEW, Status.CLOSED)
    return written and can(user, Capability.VIEW, MinutesEntry(session=session))


def approved_minutes_visible(user: User, session: DialogueSession) -> bool:
    """Whether `user` may read the session's minutes as approved (what leaves the dialogue for
    a records system: the minutes once closed, not a draft under review)."""
    return session.status == Status.CLOSED and minutes_visible(user, session)


def review_open(session: DialogueSession) -> bool:
    """Comments are taken while shared minutes are in review, until the closing date if any."""
    return (
        session.status == Status.MINUTES_IN_REVIEW
        and session.review_opened_at is not None
        and (session.review_until is None or timezone.localdate() <= session.review_until)
    )


def _minutes_editable(actor: User, session: DialogueSession) -> DialogueSession:
    session = locked_session(session)
    require_capability(actor, Capability.RUN_SESSIONS, session)
    if session.status != Status.MINUTES_IN_REVIEW:
        if session.status == Status.CLOSED:
            raise ValidationError(_("The minutes are approved: they can no longer change."))
        raise ValidationError(_("Minutes are written once the session has ended."))
    return session


def share_lack(session: DialogueSession) -> str | None:
    """Why minutes that may be edited cannot be shared for review yet, or None: the share form
    is offered, and the service shares, only when this is None."""
    if session.review_opened_at is not None:
        return _("The minutes are already shared for review.")
    if not session.minutes.exclude(summary_source="").exists():
        return _("Write the minutes of at least one agenda item first.")
    return None


def can_mark_action(user: User, action: ActionItem, capabilities: frozenset) -> bool:
    """May `user` mark `action` done or open again? Its owner, or whoever runs the session.
    `capabilities`: the user's item_capabilities on the action's session."""
    if Capability.VIEW not in capabilities:
        return False
    return action.owner_id == user.pk or Capability.RUN_SESSIONS in capabilities


def _agenda_item_of(session: DialogueSession, item: AgendaItem) -> AgendaItem:
    if item.session_id != session.pk:
        raise ValidationError(_("That agenda item belongs to another session."))
    return item


@transaction.atomic
def minutes_save(
    *, actor: User, session: DialogueSession, item: AgendaItem, summary: str, decisions: str
) -> MinutesEntry:
    session = _minutes_editable(actor, session)
    _agenda_item_of(session, item)
    if len(summary or "") > 50_000 or len(decisions or "") > 50_000:
        raise ValidationError(_("Minutes of one item can be at most 50,000 characters long."))
    entry, _created = MinutesEntry.objects.update_or_create(
        agenda_item=item,
        defaults={
            "session": session,
            "summary_source": summary or "",
            "summary_html": render_markdown(summary or ""),
            "decisions_source": decisions or "",
            "decisions_html": render_markdown(decisions or ""),
            "updated_at": timezone.now(),
            "updated_by": actor,
        },
    )
    return entry


@transaction.atomic
def action_add(
    *,
    actor: User,
    session: DialogueSession,
    item: AgendaItem,
    description: str,
    owner_id: int | None,
    due_date: date | None,
) -> ActionItem:
    session = _minutes_editable(actor, session)
    _agenda_item_of(session, item)
    description = (description or "").strip()
    if not description:
        raise ValidationError(_("Describe the action."))
    if len(description) > 500:
        raise ValidationError(_("An action can be at most 500 characters long."))
    owner = people_who_can_view(session).filter(pk=owner_id or 0).first()
    if owner is None:
        raise ValidationError(_("Choose an owner who can attend the session."))
    if not isinstance(due_date, date):
        raise ValidationError(_("Give a due date."))
    return ActionItem.objects.create(
        session=session, agenda_item=item, description=description, owner=owner, due_date=due_date
    )


@transaction.atomic
def action_remove(*, actor: User, action: ActionItem) -> None:
    _minutes_editable(actor, action.session)
    action.delete()


@transaction.atomic
def action_set_done(*, actor: User, action: ActionItem, done: bool) -> ActionItem:
    require(actor, Capability.VIEW, action)
    if not can_mark_action(actor, action, item_capabilities(actor, action.session)):
        raise PermissionDenied(_("Only the action's owner or the session's organisers mark it."))
    action.done_at = timezone.now() if done else None
    action.save(update_fields=["done_at"])
    return action


@transaction.atomic
def minutes_share(
    *, actor: User, session: DialogueSession, review_until: date | None = None
) -> DialogueSession:
    """Open the review: the roster reads the draft minutes and comments until approval."""
    session = _minutes_editable(actor, session)
    lack = share_lack(session)
    if lack:
        raise ValidationError(lack)
    if review_until is not None and review_until < timezone.localdate():
        raise ValidationError(_("The review cannot close in the past."))
    session.review_opened_at, session.review_opened_by = timezone.now(), actor
    session.review_until = review_until
    session.save(update_fields=["review_opened_at", "review_opened_by", "review_until"])
    notify_roster(session, Notification.Kind.MINUTES_REVIEW, actor)
    return session


@transaction.atomic
def minutes_comment_add(
    *,
    actor: User,
    session: DialogueSession,
    body: str,
    kind: str = MinutesComment.Kind.COMMENT,
    item: AgendaItem | None = None,
) -> MinutesComment:
    require(actor, Capability.VIEW, session)
    if not can(actor, Capability.CONTRIBUTE, session):
        raise PermissionDenied(_("You can read these minutes but not comment on them."))
    session = locked_session(session)
    if not review_open(session):
        if session.review_until is not None and session.status == Status.MINUTES_IN_REVIEW:
            closed = date_format(session.review_until, "DATE_FORMAT")
            raise ValidationError(_("Comments closed on %(date)s.") % {"date": closed})
        raise ValidationError(_("Comments are open while the minutes are in review."))
    if kind not in MinutesComment.Kind.values:
        raise ValidationError(_("Choose a comment or a suggested correction."))
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write something first."))
    if len(body) > 20_000:
        raise ValidationError(_("A comment can be at most 20,000 characters long."))
    if item is not None:
        _agenda_item_of(session, item)
    return MinutesComment.objects.create(
        session=session,
        agenda_item=item,
        author=actor,
        kind=kind,
        body_source=body,
        # Mentions are marked up so that the review shows them as it shows reviewers.
        body_html=render_body(body, session)[0],
    )


def open_actions_for(*, user: User):
    """The user's open actions from minutes they may read (the dashboard)."""
    return (
        visible(user, ActionItem)
        .filter(owner=user, done_at__isnull=True)
        .select_related("session__workspace", "agenda_item")
        .order_by("due_date")
    )
