"""Thin views for threads and posts: parse, call one service or selector, render."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from core.params import id_or_404
from core.refusals import errors_into, refusals_as_messages
from dialogues.attribution.bylines import DialogueBylines
from dialogues.lookups import visible_thread, visible_workspace
from dialogues.models import (
    Post,
    PostRevision,
    Reaction,
    Thread,
)
from dialogues.threads import post_fragments, selectors, services
from dialogues.threads.forms import EditForm, MoveForm, ReactionForm, ReplyForm, ThreadForm
from workspaces.access import (
    Capability,
    audiences_for,
    can,
    can_read_hidden_text,
    get_visible_or_404,
    item_capabilities,
    require,
    require_edit_own,
    visible,
)
from workspaces.attribution import mentions_offered
from workspaces.forms import ReasonForm
from workspaces.models import Document, Workspace


@require_GET
def mention_search(request, slug: str):
    """People to @mention: only those who may read the thread (or the new thread's audience)."""
    workspace = visible_workspace(request.user, slug)
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
    if not mentions_offered(workspace.attribution):
        people = []  # nobody is addressed by name where everyone is a pseudonym
    return JsonResponse(
        {
            "results": [
                {"handle": p.handle, "name": p.full_name, "affiliation": p.affiliation}
                for p in people
            ]
        }
    )


@require_http_methods(["GET", "POST"])
def thread_create(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    require(request.user, Capability.CONTRIBUTE, workspace)
    form = ThreadForm(request.POST or None)
    offered = audiences_for(request.user)
    form.fields["audience"].choices = [
        c for c in form.fields["audience"].choices if c[0] in offered
    ]
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            thread = services.thread_create(
                actor=request.user, workspace=workspace, **form.cleaned_data
            )
        if attempt.succeeded:
            return redirect("thread_detail", slug=slug, pk=thread.pk)
    return render(
        request, "dialogues/threads/thread_form.html", {"workspace": workspace, "form": form}
    )


@require_GET
def thread_detail(request, slug: str, pk: int):
    thread = visible_thread(request.user, slug, pk)
    page = selectors.thread_page(
        user=request.user, thread=thread, page_number=request.GET.get("page", 1)
    )
    if page.read_until is None or page.read_until < thread.last_post_at:
        services.thread_mark_read(actor=request.user, thread=thread, until=thread.last_post_at)
    flags = _flags(page, thread)
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
        "lock_reason_required": services.lock_needs_reason(actor=request.user, thread=thread),
        "reaction_kinds": Reaction.Kind.choices,
    }
    return render(request, "dialogues/threads/thread_detail.html", context)


def _flags(page, thread) -> dict:
    """The reader-wide switches of a thread page, from the capabilities its selector read."""
    return {
        "can_contribute": Capability.CONTRIBUTE in page.capabilities,
        "can_moderate": Capability.MODERATE in page.capabilities,
        "can_unmask": Capability.UNMASK in page.capabilities
        and DialogueBylines(thread).is_anonymous,
    }


@require_GET
def thread_first_unread(request, slug: str, pk: int):
    thread = visible_thread(request.user, slug, pk)
    page = selectors.thread_page(user=request.user, thread=thread)
    url = reverse("thread_detail", kwargs={"slug": slug, "pk": pk})
    if page.first_unread is None:
        return redirect(url)
    return redirect(f"{url}?page={page.first_unread_page}#post-{page.first_unread.pk}")


@require_http_methods(["GET", "POST"])
def thread_reply(request, slug: str, pk: int):
    thread = visible_thread(request.user, slug, pk)
    require(request.user, Capability.CONTRIBUTE, thread)
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
        with errors_into(form) as attempt:
            post = services.post_reply(
                actor=request.user, thread=thread, parent=parent, body=form.cleaned_data["body"]
            )
        if attempt.succeeded:
            return redirect("post_permalink", pk=post.pk)
    context = {
        "workspace": thread.workspace,
        "thread": thread,
        "parent": parent,
        "form": form,
        "people": people,
    }
    return render(request, "dialogues/threads/reply_form.html", context)


# ------------------------------------------------------------------------------
# Moderation: pin, lock, hide (and their undoing), each with a reason asked in a dialog on the
# thread page and sent with HTMX; without JavaScript the same form is a page of its own.
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Moderation:
    """One moderation form: what it sends and says, where it answers."""

    form_id: str
    action: str
    name: str
    on: bool
    title: str
    label: str
    submit: str
    done: str
    required: bool
    target: str
    back: str
    what: str

    def context(self, form) -> dict:
        return {
            "form_id": self.form_id,
            "action": self.action,
            "name": self.name,
            "value": "1" if self.on else "0",
            "title": self.title,
            "label": self.label,
            "submit": self.submit,
            "required": self.required,
            "target": self.target,
            "back": self.back,
            "what": self.what,
            "reason": form["reason"].value() or "",
            "errors": form.errors.get("reason", []),
        }


def _switch(request, name: str, current: bool) -> bool:
    """The state asked for: the posted one; on the form's page, the opposite of the current."""
    return request.POST.get(name) == "1" if request.method == "POST" else not current


def _moderate(request, thread: Thread, moderation: _Moderation, run, answer):
    """GET: the form's own page. POST: `run(reason)` (the service, which asks the policy), then
    `answer()` (the changed fragment) to HTMX or a redirect back; a refusal (no reason) comes
    back next to the field, in the dialog or on the page."""
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with errors_into(form, "reason") as attempt:
            run(form.cleaned_data["reason"])
        if attempt.succeeded:
            messages.success(request, moderation.done)
            return answer() if request.htmx else redirect(moderation.back)
    context = moderation.context(form)
    if request.htmx:
        context["in_dialog"] = True
        response = render(request, "dialogues/threads/_moderation_form.html", context)
        return reswap(retarget(response, f"#{moderation.form_id}"), "outerHTML")
    context.update(workspace=thread.workspace, thread=thread)
    return render(request, "dialogues/threads/moderate.html", context)


def _thread_moderated(request, thread: Thread):
    """The moderator tools, the thread's badges and the composer's lock note, as they now are."""
    thread.refresh_from_db(fields=["pinned_at", "locked_at"])
    capabilities = item_capabilities(request.user, thread)
    context = {
        "workspace": thread.workspace,
        "thread": thread,
        "can_moderate": Capability.MODERATE in capabilities,
        "can_contribute": Capability.CONTRIBUTE in capabilities,
        "lock_reason_required": services.lock_needs_reason(actor=request.user, thread=thread),
    }
    return render(request, "dialogues/threads/_moderated.html", context)


def _thread_moderation(request, thread: Thread, kind: str, on: bool) -> _Moderation:
    texts = {
        ("pin", True): (
            _("Pin the thread"),
            _("Reason for pinning the thread"),
            _("Pin thread"),
            _("The thread is pinned."),
        ),
        ("pin", False): (
            _("Unpin the thread"),
            _("Reason for unpinning the thread"),
            _("Unpin thread"),
            _("The thread is unpinned."),
        ),
        ("lock", True): (
            _("Lock the thread"),
            _("Reason for locking the thread"),
            _("Lock thread"),
            _("The thread is locked."),
        ),
        ("lock", False): (
            _("Unlock the thread"),
            _("Reason for unlocking the thread"),
            _("Unlock thread"),
            _("The thread is unlocked."),
        ),
    }
    title, label, submit, done = texts[kind, on]
    slug = thread.workspace.slug
    required = (
        kind == "lock" and on and services.lock_needs_reason(actor=request.user, thread=thread)
    )
    return _Moderation(
        form_id=f"thread-{kind}",
        action=reverse(f"thread_{kind}", kwargs={"slug": slug, "pk": thread.pk}),
        name="pinned" if kind == "pin" else "locked",
        on=on,
        title=title,
        label=label,
        submit=submit,
        done=done,
        required=required,
        target="#moderation-tools",
        back=reverse("thread_detail", kwargs={"slug": slug, "pk": thread.pk}),
        what=thread.title,
    )


@require_http_methods(["GET", "POST"])
def thread_pin(request, slug: str, pk: int):
    thread = visible_thread(request.user, slug, pk)
    require(request.user, Capability.MODERATE, thread)
    pinned = _switch(request, "pinned", thread.pinned_at is not None)
    return _moderate(
        request,
        thread,
        _thread_moderation(request, thread, "pin", pinned),
        lambda reason: services.thread_set_pinned(
            actor=request.user, thread=thread, pinned=pinned, reason=reason, request=request
        ),
        lambda: _thread_moderated(request, thread),
    )


@require_http_methods(["GET", "POST"])
def thread_lock(request, slug: str, pk: int):
    thread = visible_thread(request.user, slug, pk)
    require(request.user, Capability.MODERATE, thread)
    locked = _switch(request, "locked", thread.locked_at is not None)
    return _moderate(
        request,
        thread,
        _thread_moderation(request, thread, "lock", locked),
        lambda reason: services.thread_set_locked(
            actor=request.user, thread=thread, locked=locked, reason=reason, request=request
        ),
        lambda: _thread_moderated(request, thread),
    )


@require_http_methods(["GET", "POST"])
def thread_move(request, slug: str, pk: int):
    thread = visible_thread(request.user, slug, pk)
    require(request.user, Capability.MODERATE, thread)
    targets = [
        w
        for w in visible(request.user, Workspace).exclude(pk=thread.workspace_id)
        if can(request.user, Capability.MODERATE, w)
    ]
    form = MoveForm(
        request.POST or None, targets=Workspace.objects.filter(pk__in=[w.pk for w in targets])
    )
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            services.thread_move(
                actor=request.user,
                thread=thread,
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        if attempt.succeeded:
            messages.success(request, _("The thread is moved."))
            return redirect("thread_detail", slug=thread.workspace.slug, pk=pk)
    return render(
        request,
        "dialogues/threads/thread_move.html",
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
    require_edit_own(
        request.user, post, author_id=post.author_id, refusal=_("You can only edit your own posts.")
    )
    form = EditForm(request.POST or None, initial={"body": post.body_source})
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            services.post_edit(actor=request.user, post=post, body=form.cleaned_data["body"])
        if attempt.succeeded:
            return redirect("post_permalink", pk=pk)
    context = {
        "workspace": post.thread.workspace,
        "thread": post.thread,
        "post": post,
        "form": form,
    }
    return render(request, "dialogues/threads/post_edit.html", context)


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


@require_http_methods(["GET", "POST"])
def post_hide(request, pk: int):
    post = _post(request, pk)
    require(request.user, Capability.MODERATE, post)
    thread = post.thread
    hidden = _switch(request, "hidden", post.hidden_at is not None)
    name = DialogueBylines(thread).speaker(post.author).name
    if hidden:
        title = _("Hide the post by %(name)s") % {"name": name}
        label, submit, done = (
            _("Reason for hiding the post"),
            _("Hide post"),
            _("The post is hidden."),
        )
    else:
        title = _("Show the post by %(name)s again") % {"name": name}
        label, submit, done = (
            _("Reason for showing the post"),
            _("Show post"),
            _("The post is shown."),
        )
    moderation = _Moderation(
        form_id=f"post-{post.pk}-visibility",
        action=reverse("post_hide", kwargs={"pk": post.pk}),
        name="hidden",
        on=hidden,
        title=title,
        label=label,
        submit=submit,
        done=done,
        required=hidden,  # post_set_hidden asks a reason to hide, none to show again
        target=f"#post-{post.pk}",
        back=reverse("post_permalink", kwargs={"pk": post.pk}),
        what=thread.title,
    )
    return _moderate(
        request,
        thread,
        moderation,
        lambda reason: services.post_set_hidden(
            actor=request.user, post=post, hidden=hidden, reason=reason, request=request
        ),
        lambda: render(
            request, "dialogues/threads/_moderated.html", {"post_html": _post_html(request, post)}
        ),
    )


def _post_html(request, post: Post) -> str:
    """One post as the thread page now shows it to this reader (read with its page)."""
    thread = visible_thread(request.user, post.thread.workspace.slug, post.thread_id)
    position = thread.posts.filter(path__lt=post.path).count()
    page = selectors.thread_page(
        user=request.user, thread=thread, page_number=position // selectors.POSTS_PER_PAGE + 1
    )
    shown = [each for each in page.page.object_list if each.pk == post.pk]
    return post_fragments.render_posts(
        request,
        posts=shown,
        page=page,
        workspace=thread.workspace,
        thread=thread,
        flags=_flags(page, thread),
    )


@require_POST
def post_react(request, pk: int):
    post = _post(request, pk)
    require(request.user, Capability.CONTRIBUTE, post)
    form = ReactionForm(request.POST)
    if form.is_valid():
        with refusals_as_messages(request):
            services.reaction_toggle(actor=request.user, post=post, kind=form.cleaned_data["kind"])
    return redirect("post_permalink", pk=pk)


@require_GET
def post_history(request, pk: int):
    post = _post(request, pk)
    require(request.user, Capability.MODERATE, post)
    people = DialogueBylines(post.thread)
    post.shown_author = people.speaker(post.author)
    context = {
        "workspace": post.thread.workspace,
        "thread": post.thread,
        "post": post,
        "people": people,
        "revisions": PostRevision.objects.filter(post=post),
    }
    return render(request, "dialogues/threads/post_history.html", context)


@require_POST
def document_discuss(request, slug: str, pk: int):
    document = get_visible_or_404(request.user, Document, pk=pk, workspace__slug=slug)
    require(request.user, Capability.CONTRIBUTE, document)
    thread = services.document_discussion_start(actor=request.user, document=document)
    return redirect("thread_detail", slug=slug, pk=thread.pk)
