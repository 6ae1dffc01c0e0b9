"""Every write to workspaces' content: threads, posts, reactions, moderation, read state.

Each service is keyword-only, atomic, and asks the access policy first.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from core.markup import mentioned_handles, render_markdown
from workspaces.access import (
    Capability,
    WorkspaceRole,
    can,
    is_full_member,
    people_who_can_view,
    require,
    require_remove_own,
)
from workspaces.models import Audience, Document, Workspace
from workspaces.services import roster_grant

from .attribution import DialogueBylines
from .models import (
    MAX_DEPTH,
    ChatRoom,
    Notification,
    NotificationPreference,
    Post,
    PostRevision,
    Reaction,
    Thread,
    ThreadReadState,
)
from .notifications import notify

MAX_BODY = 50_000
PATH_WIDTH = 10  # digits per id in a post's tree path


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write something first."))
    if len(body) > MAX_BODY:
        raise ValidationError(
            _("A post can be at most %(limit)s characters long.") % {"limit": f"{MAX_BODY:,}"}
        )
    return body


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Give the thread a title."))
    if len(title) > 200:
        raise ValidationError(_("A title can be at most 200 characters long."))
    return title


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason: it is kept in the audit log."))
    return reason[:300]


def _scope(workspace: Workspace) -> str:
    return f"workspace:{workspace.slug}"


def render_body(
    source: str, audience_item, people: DialogueBylines | None = None
) -> tuple[str, list[User]]:
    """Render a body written in `audience_item` (a thread, room or session); return its HTML and
    whom to notify of a mention: those it mentions who may see it.

    Mentions are marked up in every mode, so that each output can show them as its bylines
    show people (Bylines.mentions_html). Posts, chat messages and minutes comments all render
    here."""
    handles = mentioned_handles(source)
    mentioned = []
    if handles:
        mentioned = list(people_who_can_view(audience_item).filter(handle__in=handles))
    html = render_markdown(source, mentionable={u.handle for u in mentioned})
    # Nobody is addressed by name where everyone is a pseudonym: no one is notified.
    people = people or DialogueBylines(audience_item)
    return html, [] if people.is_anonymous else mentioned


# ------------------------------------------------------------------------------
# Workspaces (creating and editing need Markdown, hence here and not in workspaces/)
# ------------------------------------------------------------------------------


@transaction.atomic
def workspace_create(
    *,
    actor: User,
    title: str,
    slug: str = "",
    purpose: str = "",
    observer_policy: str = Workspace.ObserverPolicy.NONE,
    request: HttpRequest | None = None,
) -> Workspace:
    """Create a workspace; its creator becomes its first facilitator."""
    require(actor, Capability.CREATE_WORKSPACES)
    title = _clean_title(title)
    slug = slugify(slug or title)[:60]
    if not slug:
        raise ValidationError(_("Choose a short name of letters and digits."))
    if Workspace.objects.filter(slug=slug).exists():
        raise ValidationError(_("The short name “%(slug)s” is taken.") % {"slug": slug})
    if observer_policy not in Workspace.ObserverPolicy.values:
        raise ValidationError(_("Choose an observer policy."))
    workspace = Workspace.objects.create(
        title=title,
        slug=slug,
        purpose_source=purpose,
        purpose_html=render_markdown(purpose),
        observer_policy=observer_policy,
        created_by=actor,
    )
    roster_grant(workspace=workspace, role=WorkspaceRole.FACILITATOR, added_by=actor, user=actor)
    ChatRoom.objects.create(workspace=workspace, title=workspace.title)
    audit_record(
        action=AuditEvent.Action.WORKSPACE_CREATED,
        actor=actor,
        scope=_scope(workspace),
        summary=f"Workspace {slug} created",
        detail={"workspace": workspace.pk},
        request=request,
    )
    return workspace


@transaction.atomic
def workspace_update(
    *,
    actor: User,
    workspace: Workspace,
    title: str,
    purpose: str,
    observer_policy: str,
    email_excerpts: bool,
    request: HttpRequest | None = None,
) -> Workspace:
    require(actor, Capability.MANAGE_ROSTER, workspace)
    if email_excerpts != workspace.email_excerpts:
        require(actor, Capability.ALLOW_EXCERPTS, workspace)
    if observer_policy not in Workspace.ObserverPolicy.values:
        raise ValidationError(_("Choose an observer policy."))
    changed = {
        field: value
        for field, value in {
            "title": _clean_title(title),
            "purpose_source": purpose,
            "observer_policy": observer_policy,
            "email_excerpts": email_excerpts,
        }.items()
        if getattr(workspace, field) != value
    }
    if not changed:
        return workspace
    for field, value in changed.items():
        setattr(workspace, field, value)
    workspace.purpose_html = render_markdown(workspace.purpose_source)
    workspace.save()
    audit_record(
        action=AuditEvent.Action.WORKSPACE_CHANGED,
        actor=actor,
        scope=_scope(workspace),
        summary=f"Workspace {workspace.slug}: {', '.join(sorted(changed))} changed",
        detail={"workspace": workspace.pk, "fields": sorted(changed)},
        request=request,
    )
    return workspace


# ------------------------------------------------------------------------------
# Threads and posts
# ------------------------------------------------------------------------------


def _path_segment(pk: int) -> str:
    return str(pk).zfill(PATH_WIDTH)


def _touch(thread: Thread, when) -> None:
    Thread.objects.filter(pk=thread.pk).update(last_post_at=when, post_count=F("post_count") + 1)
    Workspace.objects.filter(pk=thread.workspace_id).update(last_activity_at=when)


def _save_post(post: Post) -> Post:
    """Insert a post and give it its tree path (which needs its id)."""
    post.path = ""
    post.save()
    prefix = f"{post.parent.path}." if post.parent_id else ""
    post.path = prefix + _path_segment(post.pk)
    Post.objects.filter(pk=post.pk).update(path=post.path)
    # In an anonymous thread, pseudonyms are numbered in order of first post.
    DialogueBylines(post.thread).speaker(post.author)
    return post


@transaction.atomic
def thread_create(
    *,
    actor: User,
    workspace: Workspace,
    title: str,
    body: str,
    audience: str = Audience.EVERYONE,
) -> Thread:
    require(actor, Capability.CONTRIBUTE, workspace)
    if audience not in Audience.values:
        raise ValidationError(_("Choose who may read the thread."))
    if audience == Audience.FULL_MEMBERS and not is_full_member(actor):
        raise PermissionDenied(_("Only full members start full-members-only threads."))
    now = timezone.now()
    thread = Thread.objects.create(
        workspace=workspace,
        title=_clean_title(title),
        audience=audience,
        author=actor,
        created_at=now,
        last_post_at=now,
        post_count=1,
    )
    html, mentioned = render_body(_clean_body(body), thread)
    post = _save_post(
        Post(thread=thread, author=actor, body_source=body.strip(), body_html=html, created_at=now)
    )
    Workspace.objects.filter(pk=workspace.pk).update(last_activity_at=now)
    thread_mark_read(actor=actor, thread=thread, until=now)
    notify(
        kind=Notification.Kind.MENTION, recipients=mentioned, actor=actor, thread=thread, post=post
    )
    watchers = people_who_can_view(thread).exclude(
        notification_preference__notify_new_threads=False
    )
    notify(
        kind=Notification.Kind.NEW_THREAD,
        recipients=watchers,
        actor=actor,
        thread=thread,
        post=post,
    )
    return thread


@transaction.atomic
def post_reply(*, actor: User, thread: Thread, body: str, parent: Post | None = None) -> Post:
    require(actor, Capability.CONTRIBUTE, thread)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if parent is None:
        parent = thread.posts.get(depth=0)
    if parent.thread_id != thread.pk:
        raise ValidationError(_("You can only reply to a post in this thread."))
    if parent.deleted_at is not None:
        raise ValidationError(_("That post was deleted."))
    # Past the depth cap a reply joins its parent's level: the tree stays readable.
    attach_to = parent if parent.depth < MAX_DEPTH else parent.parent
    now = timezone.now()
    html, mentioned = render_body(_clean_body(body), thread)
    post = _save_post(
        Post(
            thread=thread,
            parent=attach_to,
            depth=attach_to.depth + 1,
            author=actor,
            body_source=body.strip(),
            body_html=html,
            created_at=now,
        )
    )
    _touch(thread, now)
    thread_mark_read(actor=actor, thread=thread, until=now)
    notify(
        kind=Notification.Kind.MENTION, recipients=mentioned, actor=actor, thread=thread, post=post
    )
    notify(
        kind=Notification.Kind.REPLY,
        recipients=[parent.author],
        actor=actor,
        thread=thread,
        post=post,
    )
    return post


@transaction.atomic
def post_edit(*, actor: User, post: Post, body: str) -> Post:
    require(actor, Capability.CONTRIBUTE, post)
    post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    if post.author_id != actor.pk:
        raise PermissionDenied(_("You can only edit your own posts."))
    if post.deleted_at is not None:
        raise ValidationError(_("That post was deleted."))
    body = _clean_body(body)
    if body == post.body_source:
        return post
    PostRevision.objects.create(
        post=post,
        body_source=post.body_source,
        body_html=post.body_html,
        written_at=post.edited_at or post.created_at,
    )
    before = set(
        people_who_can_view(post.thread).filter(handle__in=mentioned_handles(post.body_source))
    )
    post.body_html, mentioned = render_body(body, post.thread)
    post.body_source = body
    post.edited_at = timezone.now()
    post.save(update_fields=["body_source", "body_html", "edited_at"])
    newly = [u for u in mentioned if u not in before]
    notify(
        kind=Notification.Kind.MENTION, recipients=newly, actor=actor, thread=post.thread, post=post
    )
    return post


@transaction.atomic
def post_delete(*, actor: User, post: Post) -> Post:
    """Authors delete their own posts (soft delete); deleting the opening post removes the
    whole thread."""
    require(actor, Capability.VIEW, post)
    post = Post.objects.select_for_update().get(pk=post.pk)
    require_remove_own(actor, post, author_id=post.author_id)
    now = timezone.now()
    post.deleted_at = now
    post.save(update_fields=["deleted_at"])
    if post.depth == 0:
        Thread.objects.filter(pk=post.thread_id).update(deleted_at=now)
    return post


REACTION_KINDS = Reaction.Kind.values


@transaction.atomic
def reaction_toggle(*, actor: User, post: Post, kind: str) -> bool:
    """Add or take back a reaction. Returns whether it is now on."""
    require(actor, Capability.CONTRIBUTE, post)
    if kind not in REACTION_KINDS:
        raise ValidationError(_("Choose one of the reactions offered."))
    if post.deleted_at is not None or post.hidden_at is not None:
        raise ValidationError(_("You cannot react to this post."))
    removed, _n = Reaction.objects.filter(post=post, user=actor, kind=kind).delete()
    if removed:
        return False
    Reaction.objects.create(post=post, user=actor, kind=kind)
    return True


def thread_mark_read(*, actor: User, thread: Thread, until=None) -> None:
    """Move the reader's mark forward (never back)."""
    require(actor, Capability.VIEW, thread)
    until = until or timezone.now()
    state, created = ThreadReadState.objects.get_or_create(
        user=actor, thread=thread, defaults={"read_until": until}
    )
    if not created and state.read_until < until:
        ThreadReadState.objects.filter(pk=state.pk, read_until__lt=until).update(read_until=until)


@transaction.atomic
def document_discussion_start(*, actor: User, document: Document) -> Thread:
    """Open (or return) the discussion thread of a document: same workspace, same audience."""
    require(actor, Capability.CONTRIBUTE, document)
    existing = Thread.objects.filter(document=document).first()
    if existing is not None and existing.deleted_at is None:
        return existing
    if existing is not None:  # its discussion was deleted: a new one takes the link
        Thread.objects.filter(pk=existing.pk).update(document=None)
    thread = thread_create(
        actor=actor,
        workspace=document.workspace,
        title=_("Discussion: %(title)s") % {"title": document.title},
        body=_("Discussion of the document “%(title)s”.") % {"title": document.title},
        audience=document.audience,
    )
    Thread.objects.filter(pk=thread.pk).update(document=document)
    thread.document = document
    return thread


# ------------------------------------------------------------------------------
# Moderation: facilitators and the Secretariat; audited
# ------------------------------------------------------------------------------


def _moderation_record(action, actor, thread, summary, reason="", post=None, request=None):
    detail = {"workspace": thread.workspace_id, "thread": thread.pk}
    if post is not None:
        detail["post"] = post.pk
    if reason:
        detail["reason"] = reason
    audit_record(
        action=action,
        actor=actor,
        target_user=post.author if post is not None else thread.author,
        scope=_scope(thread.workspace),
        summary=summary,
        detail=detail,
        request=request,
    )


@transaction.atomic
def thread_set_pinned(
    *, actor: User, thread: Thread, pinned: bool, request: HttpRequest | None = None
) -> Thread:
    require(actor, Capability.MODERATE, thread)
    thread.pinned_at = timezone.now() if pinned else None
    thread.save(update_fields=["pinned_at"])
    action = AuditEvent.Action.THREAD_PINNED if pinned else AuditEvent.Action.THREAD_UNPINNED
    _moderation_record(
        action,
        actor,
        thread,
        f"Thread {thread.pk} {'pinned' if pinned else 'unpinned'}",
        request=request,
    )
    return thread


@transaction.atomic
def thread_set_locked(
    *,
    actor: User,
    thread: Thread,
    locked: bool,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Thread:
    require(actor, Capability.MODERATE, thread)
    reason = require_reason(reason) if locked and thread.author_id != actor.pk else reason.strip()
    thread.locked_at = timezone.now() if locked else None
    thread.save(update_fields=["locked_at"])
    action = AuditEvent.Action.THREAD_LOCKED if locked else AuditEvent.Action.THREAD_UNLOCKED
    _moderation_record(
        action,
        actor,
        thread,
        f"Thread {thread.pk} {'locked' if locked else 'unlocked'}",
        reason,
        request=request,
    )
    return thread


@transaction.atomic
def post_set_hidden(
    *,
    actor: User,
    post: Post,
    hidden: bool,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Post:
    require(actor, Capability.MODERATE, post)
    post = Post.objects.select_for_update().select_related("thread__workspace").get(pk=post.pk)
    if hidden:
        post.hidden_at = timezone.now()
        post.hidden_by = actor
        post.hidden_reason = require_reason(reason)
    else:
        post.hidden_at, post.hidden_by, post.hidden_reason = None, None, ""
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    action = AuditEvent.Action.POST_HIDDEN if hidden else AuditEvent.Action.POST_UNHIDDEN
    _moderation_record(
        action,
        actor,
        post.thread,
        f"Post {post.pk} {'hidden' if hidden else 'shown again'}",
        post.hidden_reason,
        post=post,
        request=request,
    )
    if hidden:
        notify(
            kind=Notification.Kind.MODERATION,
            recipients=[post.author],
            actor=actor,
            thread=post.thread,
            post=post,
        )
    return post


def _readers(thread: Thread) -> set[int]:
    return set(people_who_can_view(thread).values_list("pk", flat=True))


@transaction.atomic
def thread_move(
    *,
    actor: User,
    thread: Thread,
    target: Workspace,
    reason: str,
    request: HttpRequest | None = None,
) -> Thread:
    """Move a thread to another workspace, never widening who can read it."""
    require(actor, Capability.MODERATE, thread)
    require(actor, Capability.MODERATE, target)
    reason = require_reason(reason)
    if target.pk == thread.workspace_id:
        raise ValidationError(_("The thread is already there."))
    moved = Thread(workspace=target, audience=thread.audience)
    widened = _readers(moved) - _readers(thread)
    if widened:
        raise ValidationError(
            _(
                "Moving it would let %(count)s more people read it: the target's roster or "
                "observer policy is wider. Choose another workspace or narrow the audience first."
            )
            % {"count": len(widened)}
        )
    source = thread.workspace
    thread.workspace = target
    thread.save(update_fields=["workspace"])
    Notification.objects.filter(thread=thread).update(workspace=target)
    _moderation_record(
        AuditEvent.Action.THREAD_MOVED,
        actor,
        thread,
        f"Thread {thread.pk} moved from {source.slug} to {target.slug}",
        reason,
        request=request,
    )
    return thread


# ------------------------------------------------------------------------------
# Notifications
# ------------------------------------------------------------------------------


def notifications_mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def preferences_update(*, actor: User, **choices: bool) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.get_or_create(user=actor)
    for field, value in choices.items():
        if field not in {"email_mentions", "email_replies", "daily_digest", "notify_new_threads"}:
            raise ValidationError(_("Unknown preference."))
        setattr(preference, field, bool(value))
    preference.save()
    return preference


def may_edit(user: User, post: Post) -> bool:
    return post.author_id == user.pk and can(user, Capability.CONTRIBUTE, post)
