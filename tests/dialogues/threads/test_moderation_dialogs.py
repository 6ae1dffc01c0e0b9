"""Moderation from the thread page: a reason asked in a dialog, sent with HTMX for a fragment,
or posted without JavaScript for a redirect; refusals as before; the reason audited."""

from django.urls import reverse

from accounts.models import AuditEvent
from dialogues.models import Post, Thread

HTMX = {"HTTP_HX_REQUEST": "true"}


def _thread_url(dialogue, name):
    return reverse(name, kwargs={"slug": dialogue.offsets.slug, "pk": dialogue.public_thread.pk})


def test_the_thread_page_offers_each_action_as_a_dialog_with_its_own_page(
    world, dialogue, client_for
):
    page = client_for(world.secretariat).get(_thread_url(dialogue, "thread_detail"))
    html = page.content.decode()
    for form_id, url in (
        ("thread-pin", _thread_url(dialogue, "thread_pin")),
        ("thread-lock", _thread_url(dialogue, "thread_lock")),
        (f"post-{dialogue.reply.pk}-visibility", reverse("post_hide", args=[dialogue.reply.pk])),
    ):
        # The button is a link to the form's own page; the dialog holds the same form.
        assert f'href="{url}" id="{form_id}-open" data-dialog-open="{form_id}-dialog"' in html
        assert f'<dialog id="{form_id}-dialog"' in html
        assert f'data-hx-post="{url}" data-hx-target="#' in html
        assert f'<label class="field__label" for="{form_id}-reason">' in html
    assert " hx-" not in html  # data-hx-* only: valid HTML
    assert "js/moderation.js" in html
    # Locking someone else's thread needs a reason: the field says so.
    assert 'id="thread-lock-reason" maxlength="300" value="" required' in html
    member_page = client_for(world.member).get(_thread_url(dialogue, "thread_detail"))
    assert "data-dialog-open" not in member_page.content.decode()
    assert "js/moderation.js" not in member_page.content.decode()


def test_hiding_with_htmx_returns_the_post_and_the_message(world, dialogue, client_for):
    client = client_for(world.secretariat)
    url = reverse("post_hide", args=[dialogue.reply.pk])
    response = client.post(url, {"hidden": "1", "reason": "Off topic here"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<article id="post-{dialogue.reply.pk}"')
    assert "Hidden by a moderator: Off topic here" in html
    assert "Show post" in html  # the dialog to undo it, in the new fragment
    assert '<div id="thread-messages" data-hx-swap-oob="innerHTML">' in html
    assert "The post is hidden." in html
    assert Post.objects.get(pk=dialogue.reply.pk).hidden_at is not None
    event = AuditEvent.objects.get(action="post_hidden")
    assert event.detail["reason"] == "Off topic here" and event.actor == world.secretariat
    # The message was shown in the fragment: the next page does not repeat it.
    page = client.get(_thread_url(dialogue, "thread_detail")).content.decode()
    assert "The post is hidden." not in page


def test_hiding_without_a_reason_answers_the_form_with_the_error(world, dialogue, client_for):
    client = client_for(world.secretariat)
    url = reverse("post_hide", args=[dialogue.reply.pk])
    form_id = f"post-{dialogue.reply.pk}-visibility"
    response = client.post(url, {"hidden": "1", "reason": "  "}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#{form_id}" and response["HX-Reswap"] == "outerHTML"
    assert html.lstrip().startswith(f'<form id="{form_id}"')
    assert "Give a reason: it is kept in the audit log." in html
    assert 'aria-invalid="true"' in html
    assert f'aria-describedby="{form_id}-help {form_id}-error"' in html
    assert Post.objects.get(pk=dialogue.reply.pk).hidden_at is None
    assert not AuditEvent.objects.filter(action="post_hidden").exists()


def test_without_javascript_the_form_posts_and_redirects_back(world, dialogue, client_for):
    client = client_for(world.secretariat)
    url = reverse("post_hide", args=[dialogue.reply.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<h1 class="page-title">Hide the post by' in html
    assert "data-hx-post" not in html  # a plain form on its own page
    response = client.post(url, {"hidden": "1", "reason": "Off topic"})
    assert response.status_code == 302
    assert response.url == reverse("post_permalink", args=[dialogue.reply.pk])
    # A missing reason: the same page, the error next to the field.
    lock_url = _thread_url(dialogue, "thread_lock")
    refused = client.post(lock_url, {"locked": "1", "reason": ""})
    assert refused.status_code == 200
    assert "Give a reason: it is kept in the audit log." in refused.content.decode()
    assert Thread.objects.get(pk=dialogue.public_thread.pk).locked_at is None
    done = client.post(lock_url, {"locked": "1", "reason": "Concluded"})
    assert done.status_code == 302 and done.url == _thread_url(dialogue, "thread_detail")
    assert AuditEvent.objects.get(action="thread_locked").detail["reason"] == "Concluded"


def test_locking_and_pinning_with_htmx_return_the_tools_and_badges(world, dialogue, client_for):
    client = client_for(world.secretariat)
    response = client.post(
        _thread_url(dialogue, "thread_lock"), {"locked": "1", "reason": "Concluded"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card mod-tools" id="moderation-tools"')
    assert "Unlock thread…" in html
    assert '<p class="thread-badges" id="thread-badges" data-hx-swap-oob="true">' in html
    assert "The thread is locked." in html
    assert '<div id="composer-lock-note" data-hx-swap-oob="true">' in html
    response = client.post(
        _thread_url(dialogue, "thread_pin"), {"pinned": "1", "reason": "Key thread"}, **HTMX
    )
    assert "Unpin thread…" in response.content.decode()
    thread = Thread.objects.get(pk=dialogue.public_thread.pk)
    assert thread.locked_at and thread.pinned_at
    assert AuditEvent.objects.get(action="thread_pinned").detail["reason"] == "Key thread"
    assert AuditEvent.objects.get(action="thread_locked").detail["reason"] == "Concluded"


def test_refused_readers_are_refused_as_before(world, dialogue, client_for):
    hide = reverse("post_hide", args=[dialogue.reply.pk])
    data = {"hidden": "1", "reason": "x"}
    # On the roster without the right to moderate: 403, with or without HTMX, GET or POST.
    member = client_for(world.member)
    assert member.post(hide, data, **HTMX).status_code == 403
    assert member.get(hide).status_code == 403
    assert member.post(_thread_url(dialogue, "thread_lock"), {"locked": "1"}).status_code == 403
    # Off the roster: the thread does not exist.
    outsider = client_for(world.member_nz)
    assert outsider.post(hide, data, **HTMX).status_code == 404
    assert outsider.get(_thread_url(dialogue, "thread_pin")).status_code == 404
    assert Post.objects.get(pk=dialogue.reply.pk).hidden_at is None
    assert not AuditEvent.objects.filter(action__in=["post_hidden", "thread_locked"]).exists()


def test_showing_again_keeps_its_reason_too(world, dialogue, client_for):
    client = client_for(world.secretariat)
    url = reverse("post_hide", args=[dialogue.reply.pk])
    client.post(url, {"hidden": "1", "reason": "Off topic"}, **HTMX)
    response = client.post(url, {"hidden": "0", "reason": "Back on topic"}, **HTMX)
    assert "Hide post" in response.content.decode()
    assert AuditEvent.objects.get(action="post_unhidden").detail["reason"] == "Back on topic"
