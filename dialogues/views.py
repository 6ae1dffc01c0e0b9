"""Thin views for dialogues: parse, call one service or selector, render.

Anything the user may not see answers 404 (missing and forbidden look the same); an action the
policy refuses on something visible answers 403.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.params import id_or_404, id_param, int_param
from workspaces import services as workspace_services
from workspaces.access import (
    Capability,
    WorkspaceRole,
    can,
    can_read_hidden_text,
    get_visible_or_404,
    holds_or_404,
    is_full_member,
    people_who_can_view,
    roster_of,
    visible,
    workspace_capabilities,
    workspace_role,
)
from workspaces.attribution import for_contexts
from workspaces.models import AttributionMode, Document, Pseudonym, Workspace

from . import chat, post_fragments, selectors, services, sessions
from .attribution import DialogueBylines
from .forms import (
    EditForm,
    MoveForm,
    PreferencesForm,
    ReactionForm,
    ReasonForm,
    ReplyForm,
    RosterAddForm,
    ThreadForm,
    WorkspaceForm,
    WorkspaceSettingsForm,
)
from .models import ChatMessage, ChatRoom, DialogueSession, Post, PostRevision, Reaction, Thread
from .notifications import notification_link, preferences_of
from .search import search as run_search


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form_errors(request, form) -> None:
    """A form posted from another page: its errors become messages on the page it returns to."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _workspace(request, slug: str) -> Workspace:
    return get_visible_or_404(request.user, Workspace, slug=slug)


def _thread(request, slug: str, pk: int) -> Thread:
    # The slug must match too: a thread id from another workspace is simply not found.
    return get_visible_or_404(request.user, Thread, pk=pk, workspace__slug=slug)


def _require(request, capability: Capability, obj) -> None:
    if not can(request.user, capability, obj):
        raise PermissionDenied(_("You cannot do that here."))


# ------------------------------------------------------------------------------
# Dashboard, workspaces and rosters
# ------------------------------------------------------------------------------


@require_GET
def home(request):
    activity = list(selectors.recent_activity(user=request.user))
    for post in activity:
        # The dashboard is outside the live view: Chatham House names nobody here.
        post.shown_author = DialogueBylines(post.thread, outside=True).speaker(post.author)
    context = {
        "workspaces": selectors.my_workspaces(user=request.user),
        "activity": activity,
        "upcoming_sessions": sessions.upcoming_for(user=request.user),
        "my_actions": sessions.open_actions_for(user=request.user),
        "can_create": can(request.user, Capability.CREATE_WORKSPACES),
        "can_join": can(request.user, Capability.JOIN_ROSTERS),
    }
    return render(request, "dialogues/home.html", context)


@require_http_methods(["GET", "POST"])
def workspace_create(request):
    holds_or_404(request.user, Capability.CREATE_WORKSPACES)
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(
                actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The dialogue is created. Now add its roster."))
            return redirect("workspace_roster", slug=workspace.slug)
    return render(request, "dialogues/workspace_form.html", {"form": form})


@require_GET
def workspace_directory(request):
    if not (
        can(request.user, Capability.JOIN_ROSTERS)
        or can(request.user, Capability.CREATE_WORKSPACES)
    ):
        raise Http404
    context = {
        "workspaces": selectors.workspace_directory(user=request.user),
        "can_join": can(request.user, Capability.JOIN_ROSTERS),
    }
    return render(request, "dialogues/workspace_directory.html", context)


@require_POST
def workspace_join(request, slug: str):
    holds_or_404(request.user, Capability.JOIN_ROSTERS)
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise Http404
    try:
        workspace_services.roster_join(actor=request.user, workspace=workspace, request=request)
    except ValidationError as error:
        _errors(request, error)
        return redirect("workspace_directory")
    messages.success(request, _("You joined the roster as facilitator. This is recorded."))
    return redirect("workspace_detail", slug=slug)


@require_GET
def workspace_detail(request, slug: str):
    workspace = _workspace(request, slug)
    capabilities = workspace_capabilities(request.user, workspace)
    threads = list(selectors.workspace_threads(user=request.user, workspace=workspace))
    contexts = [f"thread:{thread.pk}" for thread in threads]
    people = for_contexts(workspace, contexts, workspace.attribution)
    for thread, context in zip(threads, contexts, strict=True):
        thread.shown_author = people[context].speaker(thread.author)
    context = {
        "workspace": workspace,
        "capabilities": capabilities,
        "threads": threads,
        "can_contribute": Capability.CONTRIBUTE in capabilities,
        "can_moderate": Capability.MODERATE in capabilities,
        "can_manage": Capability.MANAGE_ROSTER in capabilities,
        "can_reopen": Capability.REOPEN in capabilities,
        "archive_form": ReasonForm(),
    }
    return render(request, "dialogues/workspace_detail.html", context)


@require_http_methods(["GET", "POST"])
def workspace_settings(request, slug: str):
    workspace = _workspace(request, slug)
    _require(request, Capability.MANAGE_ROSTER, workspace)
    initial = {
        "title": workspace.title,
        "purpose": workspace.purpose_source,
        "observer_policy": workspace.observer_policy,
        "email_excerpts": workspace.email_excerpts,
    }
    form = WorkspaceSettingsForm(request.POST or None, initial=initial)
    may_allow_excerpts = can(request.user, Capability.ALLOW_EXCERPTS, workspace)
    if not may_allow_excerpts:
        form.fields["email_excerpts"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.workspace_update(
                actor=request.user, workspace=workspace, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The dialogue's settings are saved."))
            return redirect("workspace_detail", slug=slug)
    context = {
        "workspace": workspace,
        "form": form,
        "can_set_attribution": can(request.user, Capability.SET_ATTRIBUTION, workspace),
    }
    return render(request, "dialogues/workspace_settings.html", context)


@require_POST
def workspace_archive(request, slug: str):
    workspace = _workspace(request, slug)
    _require(request, Capability.MODERATE, workspace)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        workspace_services.workspace_archive(
            actor=request.user,
            workspace=workspace,
            reason=form.cleaned_data.get("reason", ""),
            request=request,
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The dialogue is archived: it is now read-only."))
    return redirect("workspace_detail", slug=slug)


@require_POST
def workspace_reopen(request, slug: str):
    workspace = _workspace(request, slug)
    _require(request, Capability.REOPEN, workspace)
    workspace_services.workspace_reopen(actor=request.user, workspace=workspace, request=request)
    messages.success(request, _("The dialogue is open again."))
    return redirect("workspace_detail", slug=slug)


@require_GET
def workspace_roster(request, slug: str):
    workspace = _workspace(request, slug)
    capabilities = workspace_capabilities(request.user, workspace)
    can_manage = Capability.MANAGE_ROSTER in capabilities
    context = {
        "workspace": workspace,
        "roster": roster_of(workspace),
        # In an anonymous dialogue, names on the roster would undo the pseudonyms.
        "names_hidden": workspace.attribution == AttributionMode.ANONYMOUS and not can_manage,
        "can_manage": can_manage,
        "add_form": RosterAddForm(),
        "my_role": workspace_role(request.user, workspace),
    }
    return render(request, "dialogues/workspace_roster.html", context)


@require_POST
def workspace_roster_add(request, slug: str):
    workspace = _workspace(request, slug)
    _require(request, Capability.MANAGE_ROSTER, workspace)
    form = RosterAddForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("workspace_roster", slug=slug)
    role = WorkspaceRole(form.cleaned_data["role"])
    try:
        if form.cleaned_data["jurisdiction"]:
            workspace_services.roster_add_jurisdiction(
                actor=request.user,
                workspace=workspace,
                jurisdiction=form.cleaned_data["jurisdiction"],
                role=role,
                request=request,
            )
        else:
            workspace_services.roster_add_user(
                actor=request.user,
                workspace=workspace,
                user=form.cleaned_data["user"],
                role=role,
                request=request,
            )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The roster is updated."))
    return redirect("workspace_roster", slug=slug)


@require_POST
def workspace_roster_remove(request, slug: str):
    workspace = _workspace(request, slug)
    _require(request, Capability.MANAGE_ROSTER, workspace)
    form = RosterAddForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    try:
        workspace_services.roster_remove(
            actor=request.user,
            workspace=workspace,
            user=data.get("user"),
            jurisdiction=data.get("jurisdiction"),
            request=request,
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Removed from the roster: their access ended at once."))
    return redirect("workspace_roster", slug=slug)


@require_GET
def mention_search(request, slug: str):
    """People to @mention: only those who may read the thread (or the new thread's audience)."""
    workspace = _workspace(request, slug)
    item = workspace
    if request.GET.get("thread"):
        item = get_visible_or_404(
            request.user, Thread, pk=id_or_404(request.GET["thread"]), workspace=workspace
        )
    elif request.GET.get("audience") == "full_members":
        item = Thread(workspace=workspace, audience="full_members")
    people = selectors.mention_candidates(
        user=request.user, item=item, query=request.GET.get("q", "")
    )
    if workspace.attribution == AttributionMode.ANONYMOUS:
        people = []  # nobody is addressed by name where everyone is a pseudonym
    return JsonResponse(
        {
            "results": [
                {"handle": p.handle, "name": p.full_name, "affiliation": p.affiliation}
                for p in people
            ]
        }
    )


# ------------------------------------------------------------------------------
# Threads and posts
# ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def thread_create(request, slug: str):
    workspace = _workspace(request, slug)
    _require(request, Capability.CONTRIBUTE, workspace)
    form = ThreadForm(request.POST or None)
    if not is_full_member(request.user):
        form.fields["audience"].choices = form.fields["audience"].choices[:1]
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.thread_create(
                actor=request.user, workspace=workspace, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("thread_detail", slug=slug, pk=thread.pk)
    return render(request, "dialogues/thread_form.html", {"workspace": workspace, "form": form})


@require_GET
def thread_detail(request, slug: str, pk: int):
    thread = _thread(request, slug, pk)
    page = selectors.thread_page(
        user=request.user, thread=thread, page_number=request.GET.get("page", 1)
    )
    if page.read_until is None or page.read_until < thread.last_post_at:
        services.thread_mark_read(actor=request.user, thread=thread, until=thread.last_post_at)
    flags = {
        "can_contribute": Capability.CONTRIBUTE in page.capabilities,
        "can_moderate": Capability.MODERATE in page.capabilities,
        "can_unmask": Capability.UNMASK in page.capabilities
        and DialogueBylines(thread).is_anonymous,
    }
    posts_html = post_fragments.render_posts(
        request,
        posts=page.page.object_list,
        page=page,
        workspace=thread.workspace,
        thread=thread,
        flags=flags,
    )
    context = {
        "workspace": thread.workspace,
        "thread": thread,
        "view": page,
        "posts_html": posts_html,
        **flags,
        "reply_form": ReplyForm(),
        "reason_form": ReasonForm(),
        "reaction_kinds": Reaction.Kind.choices,
    }
    return render(request, "dialogues/thread_detail.html", context)


@require_GET
def thread_first_unread(request, slug: str, pk: int):
    thread = _thread(request, slug, pk)
    page = selectors.thread_page(user=request.user, thread=thread)
    url = reverse("thread_detail", kwargs={"slug": slug, "pk": pk})
    if page.first_unread is None:
        return redirect(url)
    return redirect(f"{url}?page={page.first_unread_page}#post-{page.first_unread.pk}")


@require_http_methods(["GET", "POST"])
def thread_reply(request, slug: str, pk: int):
    thread = _thread(request, slug, pk)
    _require(request, Capability.CONTRIBUTE, thread)
    parent = None
    parent_id = request.POST.get("parent") or request.GET.get("parent")
    if parent_id:
        parent_id = id_or_404(parent_id)
        parent = thread.posts.filter(pk=parent_id, deleted_at__isnull=True).first()
        if parent is None:
            raise Http404
    initial = {"parent": parent.pk if parent else None}
    people = DialogueBylines(thread)
    if parent is not None:
        parent.shown_author = people.speaker(parent.author)
        parent.text_readable = parent.hidden_at is None or can_read_hidden_text(
            request.user, parent, author_id=parent.author_id
        )
    if parent and request.GET.get("quote") and (not parent.hidden_at):
        source = people.mentions_text(parent.body_source, marked_in=parent.body_html)
        quoted = "\n".join(f"> {line}" for line in source.splitlines())
        who = parent.shown_author.name if people.is_anonymous else f"@{parent.author.handle}"
        initial["body"] = f"{who} wrote:\n{quoted}\n\n"
    form = ReplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_reply(
                actor=request.user, thread=thread, parent=parent, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("post_permalink", pk=post.pk)
    context = {
        "workspace": thread.workspace,
        "thread": thread,
        "parent": parent,
        "form": form,
        "people": people,
    }
    return render(request, "dialogues/reply_form.html", context)


@require_POST
def thread_pin(request, slug: str, pk: int):
    thread = _thread(request, slug, pk)
    _require(request, Capability.MODERATE, thread)
    services.thread_set_pinned(
        actor=request.user, thread=thread, pinned=request.POST.get("pinned") == "1", request=request
    )
    return redirect("thread_detail", slug=slug, pk=pk)


@require_POST
def thread_lock(request, slug: str, pk: int):
    thread = _thread(request, slug, pk)
    _require(request, Capability.MODERATE, thread)
    try:
        services.thread_set_locked(
            actor=request.user,
            thread=thread,
            locked=request.POST.get("locked") == "1",
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except ValidationError as error:
        _errors(request, error)
    return redirect("thread_detail", slug=slug, pk=pk)


@require_http_methods(["GET", "POST"])
def thread_move(request, slug: str, pk: int):
    thread = _thread(request, slug, pk)
    _require(request, Capability.MODERATE, thread)
    targets = [
        w
        for w in visible(request.user, Workspace).exclude(pk=thread.workspace_id)
        if can(request.user, Capability.MODERATE, w)
    ]
    form = MoveForm(
        request.POST or None, targets=Workspace.objects.filter(pk__in=[w.pk for w in targets])
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.thread_move(
                actor=request.user,
                thread=thread,
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The thread is moved."))
            return redirect("thread_detail", slug=thread.workspace.slug, pk=pk)
    return render(
        request,
        "dialogues/thread_move.html",
        {"workspace": thread.workspace, "thread": thread, "form": form},
    )


def _post(request, pk: int) -> Post:
    return get_visible_or_404(request.user, Post, pk=pk)


@require_GET
def post_permalink(request, pk: int):
    post = _post(request, pk)
    position = post.thread.posts.filter(path__lt=post.path).count()
    page = position // selectors.POSTS_PER_PAGE + 1
    url = reverse(
        "thread_detail", kwargs={"slug": post.thread.workspace.slug, "pk": post.thread_id}
    )
    return redirect(f"{url}?page={page}#post-{post.pk}")


@require_http_methods(["GET", "POST"])
def post_edit(request, pk: int):
    post = _post(request, pk)
    if not services.may_edit(request.user, post):
        raise PermissionDenied(_("You can only edit your own posts."))
    form = EditForm(request.POST or None, initial={"body": post.body_source})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(actor=request.user, post=post, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("post_permalink", pk=pk)
    context = {
        "workspace": post.thread.workspace,
        "thread": post.thread,
        "post": post,
        "form": form,
    }
    return render(request, "dialogues/post_edit.html", context)


@require_POST
def post_delete(request, pk: int):
    post = _post(request, pk)
    thread = post.thread
    services.post_delete(actor=request.user, post=post)
    if post.depth == 0:
        messages.success(request, _("The thread is deleted."))
        return redirect("workspace_detail", slug=thread.workspace.slug)
    messages.success(request, _("Your post is deleted."))
    return redirect("thread_detail", slug=thread.workspace.slug, pk=thread.pk)


@require_POST
def post_hide(request, pk: int):
    post = _post(request, pk)
    _require(request, Capability.MODERATE, post)
    hidden = request.POST.get("hidden", "1") == "1"
    try:
        services.post_set_hidden(
            actor=request.user,
            post=post,
            hidden=hidden,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The post is hidden.") if hidden else _("The post is shown."))
    return redirect("post_permalink", pk=pk)


@require_POST
def post_react(request, pk: int):
    post = _post(request, pk)
    _require(request, Capability.CONTRIBUTE, post)
    form = ReactionForm(request.POST)
    if form.is_valid():
        try:
            services.reaction_toggle(actor=request.user, post=post, kind=form.cleaned_data["kind"])
        except ValidationError as error:
            _errors(request, error)
    return redirect("post_permalink", pk=pk)


@require_GET
def post_history(request, pk: int):
    post = _post(request, pk)
    _require(request, Capability.MODERATE, post)
    people = DialogueBylines(post.thread)
    post.shown_author = people.speaker(post.author)
    context = {
        "workspace": post.thread.workspace,
        "thread": post.thread,
        "post": post,
        "people": people,
        "revisions": PostRevision.objects.filter(post=post),
    }
    return render(request, "dialogues/post_history.html", context)


@require_POST
def document_discuss(request, slug: str, pk: int):
    document = get_visible_or_404(request.user, Document, pk=pk, workspace__slug=slug)
    _require(request, Capability.CONTRIBUTE, document)
    thread = services.document_discussion_start(actor=request.user, document=document)
    return redirect("thread_detail", slug=slug, pk=thread.pk)


# ------------------------------------------------------------------------------
# Notifications and search
# ------------------------------------------------------------------------------


@require_GET
def notifications(request):
    items = list(selectors.visible_notifications(user=request.user)[:100])
    for item in items:
        item.link = notification_link(item)
        item.shown_actor = selectors.notification_actor(item)
    return render(request, "dialogues/notifications.html", {"notifications": items})


@require_POST
def notifications_read(request):
    services.notifications_mark_read(actor=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications")


@require_GET
def notification_open(request, pk: int):
    notification = selectors.visible_notifications(user=request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    services.notifications_mark_read(actor=request.user, ids=[pk])
    return redirect(notification_link(notification))


@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    preference = preferences_of(request.user)
    initial = {f: getattr(preference, f) for f in PreferencesForm.base_fields}
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.preferences_update(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notification_preferences")
    return render(request, "dialogues/notification_preferences.html", {"form": form})


@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    hits = run_search(user=request.user, query=query) if query else []
    for hit in hits:
        if getattr(hit, "post", None) is not None:
            # Search results leave the live view: Chatham House names nobody here.
            hit.shown_author = DialogueBylines(hit.post.thread, outside=True).speaker(
                hit.post.author
            )
    return render(request, "dialogues/search.html", {"query": query, "hits": hits})


# ------------------------------------------------------------------------------
# Live chat: the page (readable and usable without JavaScript) and its plain-HTTP actions
# ------------------------------------------------------------------------------


def _room(request, slug: str, session: int | None = None) -> ChatRoom:
    """The workspace's room, or a session's own room (which exists once the session started)."""
    if session is None:
        room = chat.workspace_room(_workspace(request, slug))
    else:
        found = get_visible_or_404(request.user, DialogueSession, pk=session, workspace__slug=slug)
        if found.room is None:
            raise Http404
        room = found.room
    if not can(request.user, Capability.VIEW, room):
        raise Http404
    return room


def _room_message(request, slug: str, seq: int, session: int | None = None) -> ChatMessage:
    room = _room(request, slug, session)
    message = room.messages.filter(seq=seq).first()
    if message is None:
        raise Http404
    return message


def _chat_urls(slug: str, session: int | None) -> dict[str, str]:
    """The room's own addresses (the workspace room and session rooms share the views)."""
    prefix, kwargs = (
        ("session_", {"slug": slug, "session": session}) if session else ("", {"slug": slug})
    )
    names = {"room": "session_room" if session else "chat_room"}
    names.update({action: f"{prefix}chat_{action}" for action in ("send", "mute", "lock")})
    urls = {key: reverse(name, kwargs=kwargs) for key, name in names.items()}
    for action in ("hide", "delete"):
        urls[f"{action}_template"] = reverse(f"{prefix}chat_{action}", kwargs={**kwargs, "seq": 0})
    return urls


@require_GET
def chat_room(request, slug: str, session: int | None = None):
    room = _room(request, slug, session)
    session_of_room = DialogueSession.objects.filter(room=room).first() if session else None
    if session_of_room is not None:
        sessions.record_attendance(user=request.user, room=room)
    page = chat.chat_room_page(
        user=request.user, room=room, before_seq=int_param(request.GET.get("before"), minimum=0)
    )
    context = {
        "workspace": room.workspace,
        "room": room,
        "chat_messages": page.messages,
        "can_send": page.can_send,
        "can_moderate": page.can_moderate,
        "can_manage": page.can_manage,
        "mute": page.mute,
        "last_read": page.last_read,
        "client_id": uuid.uuid4().hex,
        "members": page.members,
        "people": page.people,
        "chat_urls": _chat_urls(slug, session),
        "session": session_of_room,
        "can_unmask": page.can_unmask,
    }
    if page.messages:
        chat.mark_read(actor=request.user, room=room, seq=page.messages[-1].seq)
    return render(request, "dialogues/chat_room.html", context)


def _chat_back(slug: str, seq: int | None = None, session: int | None = None):
    url = _chat_urls(slug, session)["room"]
    return redirect(f"{url}#m-{seq}" if seq else url)


@require_POST
def chat_send(request, slug: str, session: int | None = None):
    room = _room(request, slug, session)
    try:
        message, _created = chat.message_send(
            actor=request.user,
            room=room,
            body=request.POST.get("body", ""),
            client_id=request.POST.get("client_id", ""),
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
        return _chat_back(slug, session=session)
    except ValidationError as error:
        _errors(request, error)
        return _chat_back(slug, session=session)
    return _chat_back(slug, message.seq, session)


@require_POST
def chat_edit(request, slug: str, seq: int, session: int | None = None):
    message = _room_message(request, slug, seq, session)
    try:
        chat.message_edit(actor=request.user, message=message, body=request.POST.get("body", ""))
    except ValidationError as error:
        _errors(request, error)
    return _chat_back(slug, seq, session)


@require_POST
def chat_delete(request, slug: str, seq: int, session: int | None = None):
    message = _room_message(request, slug, seq, session)
    chat.message_delete(actor=request.user, message=message)
    return _chat_back(slug, seq, session)


@require_POST
def chat_hide(request, slug: str, seq: int, session: int | None = None):
    message = _room_message(request, slug, seq, session)
    _require(request, Capability.MODERATE, message.room)
    try:
        chat.message_hide(
            actor=request.user,
            message=message,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except ValidationError as error:
        _errors(request, error)
    return _chat_back(slug, seq, session)


@require_POST
def chat_mute(request, slug: str, session: int | None = None):
    room = _room(request, slug, session)
    _require(request, Capability.MODERATE, room)
    chosen = request.POST.get("user") or ""
    pseudonym_id = id_param(chosen[1:]) if chosen.startswith("p") else None
    if pseudonym_id:  # a pseudonym, in an anonymous room
        people = chat.room_people(room)
        pseudonym = Pseudonym.objects.filter(pk=pseudonym_id, context=people.context).first()
        chosen = str(pseudonym.user_id) if pseudonym else ""
    target = people_who_can_view(room).filter(pk=id_param(chosen) or 0).first()
    if target is None:
        messages.error(request, _("Choose someone in this room."))
        return _chat_back(slug, session=session)
    try:
        minutes = int(request.POST.get("minutes", "0"))
        chat.member_mute(
            actor=request.user,
            room=room,
            user=target,
            minutes=minutes,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except ValueError:
        messages.error(request, _("Mute for 1 minute to 24 hours."))
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("%(name)s is muted.") % {"name": target.full_name})
    return _chat_back(slug, session=session)


@require_POST
def chat_lock(request, slug: str, session: int | None = None):
    room = _room(request, slug, session)
    _require(request, Capability.MODERATE, room)
    try:
        chat.room_set_locked(
            actor=request.user,
            room=room,
            locked=request.POST.get("locked") == "1",
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except ValidationError as error:
        _errors(request, error)
    return _chat_back(slug, session=session)
