"""Every write to threads and posts: starting, replying, editing, deleting, reacting, reading,
moderating and moving. Each checks the policy first."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User
from core.markup import mentioned_handles
from dialogues.attribution.bylines import DialogueBylines
from dialogues.bodies import clean_body, render_body, require_reason
from dialogues.models import (
    MAX_DEPTH,
    Notification,
    Post,
    PostRevision,
    Reaction,
    Thread,
    ThreadReadState,
)
from dialogues.notifications.services import notify
from workspaces.access import (
    Capability,
    can_choose_audience,
    people_who_can_view,
    require,
    require_discuss,
    require_edit_own,
    require_remove_own,
)
from workspaces.models import Audience, Document, Workspace
from workspaces.services import clean_title

PATH_WIDTH = 10  # digits per id in a post's tree path


def _scope(workspace: Workspace) -> str:
    return f"workspace:{workspace.slug}"


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
    if not can_choose_audience(actor, audience):
        raise PermissionDenied(_("Only full members start full-members-only threads."))
    now = timezone.now()
    thread = Thread.objects.create(
        workspace=workspace,
        title=clean_title(title),
        audience=audience,
        author=actor,
        created_at=now,
        last_post_at=now,
        post_count=1,
    )
    html, mentioned = render_body(clean_body(body), thread)
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
    html, mentioned = render_body(clean_body(body), thread)
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
    post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    require_edit_own(
        actor, post, author_id=post.author_id, refusal=_("You can only edit your own posts.")
    )
    if post.deleted_at is not None:
        raise ValidationError(_("That post was deleted."))
    body = clean_body(body)
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
    require_discuss(actor, document)
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
    *,
    actor: User,
    thread: Thread,
    pinned: bool,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Thread:
    require(actor, Capability.MODERATE, thread)
    thread.pinned_at = timezone.now() if pinned else None
    thread.save(update_fields=["pinned_at"])
    action = AuditEvent.Action.THREAD_PINNED if pinned else AuditEvent.Action.THREAD_UNPINNED
    _moderation_record(
        action,
        actor,
        thread,
        sentence(
            gettext_noop("Thread %(thread)s pinned")
            if pinned
            else gettext_noop("Thread %(thread)s unpinned"),
            thread=thread.pk,
        ),
        (reason or "").strip()[:300],
        request=request,
    )
    return thread


def lock_needs_reason(*, actor: User, thread: Thread) -> bool:
    """Locking someone else's thread needs a reason (kept in the audit log); one's own, not.
    The lock form marks its field required from this same answer."""
    return thread.author_id != actor.pk


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
    needs_reason = locked and lock_needs_reason(actor=actor, thread=thread)
    reason = require_reason(reason) if needs_reason else (reason or "").strip()[:300]
    thread.locked_at = timezone.now() if locked else None
    thread.save(update_fields=["locked_at"])
    action = AuditEvent.Action.THREAD_LOCKED if locked else AuditEvent.Action.THREAD_UNLOCKED
    _moderation_record(
        action,
        actor,
        thread,
        sentence(
            gettext_noop("Thread %(thread)s locked")
            if locked
            else gettext_noop("Thread %(thread)s unlocked"),
            thread=thread.pk,
        ),
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
        sentence(
            gettext_noop("Post %(post)s hidden")
            if hidden
            else gettext_noop("Post %(post)s shown again"),
            post=post.pk,
        ),
        # Showing it again may give a reason too; the audit log keeps it.
        post.hidden_reason if hidden else (reason or "").strip()[:300],
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
        sentence(
            gettext_noop("Thread %(thread)s moved from %(source)s to %(target)s"),
            thread=thread.pk,
            source=source.slug,
            target=target.slug,
        ),
        reason,
        request=request,
    )
    return thread
