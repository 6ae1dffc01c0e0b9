"""Erasure that keeps the record (privacy/erasure): over the demo world, a departed official's
name, email and handle are nowhere any more — pages of each kind of reader, membership pages,
search, exports, the API, notifications, emails, the admin, the audit log (its new rows, and its
pages over the older ones) — while every thread still renders; with their content removed,
posts keep their place and say why. And the refusals: who may erase, whom, with what
confirmation."""

from __future__ import annotations

import re
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from asgiref.sync import async_to_sync
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from accounts.models import ApiToken, AuditEvent, Jurisdiction, User
from accounts.policy import Capability, can
from dialogues.models import ChatMessage, Notification, Post, PostRevision, Thread
from dialogues.threads import services as thread_services
from privacy.erasure import services as erasure
from tests.api.test_agreement_over_the_demo_world import walk_the_api
from tests.every_door.test_leaks import crawl
from tests.signing_in import confirm_password
from workspaces.access import visible
from workspaces.models import Workspace

DEMO_PASSWORD = "enclave-demo"


def streamed(response) -> str:
    async def collect(chunks):
        return "".join([c.decode() if isinstance(c, bytes) else c async for c in chunks])

    return async_to_sync(collect)(response.streaming_content)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="accounts.backends.OfficialBackend")
    return client


def traces(person: dict) -> list[re.Pattern]:
    """What must be gone: the full name, the email, the @handle (the handle alone is also a
    jurisdiction's name in the demo, so only its mention form counts)."""
    return [
        re.compile(re.escape(person["name"]), re.IGNORECASE),
        re.compile(re.escape(person["email"]), re.IGNORECASE),
        re.compile(r"@" + re.escape(person["handle"]) + r"(?![\w.-])", re.IGNORECASE),
    ]


def assert_gone(text: str, person: dict, where: str) -> None:
    for pattern in traces(person):
        found = pattern.search(text)
        assert found is None, f"{where} still shows “{found.group(0)}”"


@pytest.fixture
def demo(db, settings):
    settings.ENCLAVE_SITE_URL = "https://enclave.example.org"
    call_command("seed_demo", verbosity=0)


def erase_through_the_page(secretariat, official, *, remove_content: bool) -> Client:
    """Erase a deactivated official the way the Secretariat does: the page, the password again,
    the email typed."""
    client = signed_in(secretariat)
    url = reverse("official_erase", kwargs={"pk": official.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "What erasure changes" in page.content.decode()
    form = {"confirm_email": official.email}
    if remove_content:
        form["remove_content"] = "on"
    asked = client.post(url, form)
    assert asked.url.startswith(reverse("account_reauthenticate")), "no password asked"
    official.refresh_from_db()
    assert official.erased_at is None
    confirm_password(client, DEMO_PASSWORD)
    done = client.post(url, form)
    assert done.status_code == 302
    official.refresh_from_db()
    assert official.erased_at is not None
    return client


def test_an_erased_official_is_nowhere_while_the_record_stays(
    demo, django_capture_on_commit_callbacks
):
    secretariat = User.objects.get(handle="secretariat")
    official = User.objects.get(handle="california")
    person = {"name": official.full_name, "email": official.email, "handle": official.handle}
    member = User.objects.get(handle="eu")
    # Others write about them: a mention, their email and their name in a reply.
    thread = visible(member, Thread).filter(posts__author=official).first()
    assert thread is not None
    with django_capture_on_commit_callbacks(execute=True):
        thread_services.post_reply(
            actor=member,
            thread=thread,
            body=f"Thanks @{official.handle}; {official.full_name} can be reached at "
            f"{official.email}.",
        )
    posts_before = Post.objects.filter(author=official).count()
    assert posts_before
    chat_before = ChatMessage.objects.filter(author=official).count()
    threads = list(Thread.objects.values_list("pk", "post_count"))
    account_services.official_deactivate(actor=secretariat, official=official, reason="Left")
    first_new_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        erase_through_the_page(secretariat, official, remove_content=False)
    official.refresh_from_db()
    assert official.full_name == f"Former official {official.pk}"
    assert official.email.endswith("@erased.invalid") and official.handle != person["handle"]
    assert not official.has_usable_password() and not official.is_active
    assert not EmailAddress.objects.filter(user=official).exists()
    assert not Authenticator.objects.filter(user=official).exists()
    assert not ApiToken.objects.filter(user=official).exists()
    assert not Notification.objects.filter(recipient=official).exists()
    # The record stays: every post, message and thread, under the label.
    assert Post.objects.filter(author=official, deleted_at__isnull=True).count() == posts_before
    assert ChatMessage.objects.filter(author=official).count() == chat_before
    assert list(Thread.objects.values_list("pk", "post_count")) == threads

    # Pages of each kind of reader (the Secretariat, a Co-Chair, a member of another
    # jurisdiction, an observer), search and the mention box included.
    for reader in User.objects.filter(handle__in=["secretariat", "cochair", "eu", "chile"]):
        client = signed_in(reader)
        for url, body in crawl(client, reader).items():
            assert_gone(body, person, f"{reader.handle}: {url}")
    # Membership pages, where officials are listed with their addresses.
    for url in [reverse("membership")] + [
        reverse("jurisdiction_detail", kwargs={"code": code})
        for code in Jurisdiction.objects.values_list("code", flat=True)
    ]:
        page = signed_in(secretariat).get(url)
        assert page.status_code == 200, url
        assert_gone(unescape(page.content.decode()), person, url)
    # The API, walked whole by a reader's token (tests/api's walk of the demo world).
    walk = walk_the_api(User.objects.get(handle="eu"))
    for request, body in walk.bodies.items():
        assert_gone(body, person, f"API {request}")
    # Every thread renders, with the label where the name was.
    client = signed_in(secretariat)
    label_seen = False
    for thread in visible(secretariat, Thread):
        page = client.get(
            reverse("thread_detail", kwargs={"slug": thread.workspace.slug, "pk": thread.pk})
        )
        assert page.status_code == 200, thread.title
        label_seen |= official.full_name in unescape(page.content.decode())
    assert label_seen
    # Exports of every dialogue, the Secretariat's audit log and its CSV.
    for workspace in visible(secretariat, Workspace).exclude(kind="library"):
        for fmt in ("md", "html"):
            response = client.get(
                reverse("workspace_export", kwargs={"slug": workspace.slug, "fmt": fmt})
            )
            if response.status_code == 200:
                assert_gone(response.content.decode(), person, f"export {workspace.slug}.{fmt}")
    for url in (reverse("audit_log"), reverse("audit_log_csv")):
        response = client.get(url)
        body = streamed(response) if response.streaming else response.content.decode()
        assert_gone(unescape(body), person, url)
    # The audit log's new rows.
    for event in AuditEvent.objects.filter(pk__gte=first_new_event):
        text = " ".join(
            [event.actor_label, event.summary, str(event.summary_params), str(event.detail)]
        )
        assert_gone(text, person, f"audit event {event.action}")
    erased = AuditEvent.objects.get(action=AuditEvent.Action.OFFICIAL_ERASED)
    assert erased.detail["posts"] == posts_before and erased.detail["content_removed"] is False
    # Emails sent since.
    for message in mail.outbox:
        assert_gone(message.subject + message.body, person, f"email to {message.to}")
    # Stored texts: the mention, the email and the name others wrote.
    for post in Post.objects.all():
        assert_gone(post.body_source + post.body_html, person, f"post {post.pk}")
    # The admin, for an operator.
    operator = User.objects.create_superuser(
        email="ops@example.test", password="x" * 20, full_name="Ops"
    )
    operator.is_staff = True
    operator.save()
    from tests.factories import enrol_totp

    enrol_totp(operator)
    admin = signed_in(operator)
    for url in (
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[official.pk]),
        reverse("admin:accounts_user_changelist") + "?q=" + person["name"].split()[0],
    ):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert_gone(unescape(response.content.decode()), person, url)


def test_removing_their_content_keeps_each_threads_structure(demo):
    secretariat = User.objects.get(handle="secretariat")
    official = User.objects.get(handle="quebec")
    words = [p.body_source[:40] for p in Post.objects.filter(author=official)]
    threads = list(Thread.objects.values_list("pk", "post_count"))
    account_services.official_deactivate(actor=secretariat, official=official, reason="Left")
    erase_through_the_page(secretariat, official, remove_content=True)
    posts = Post.objects.filter(author=official)
    assert posts.count() == len(words)
    assert all(p.removed_on_request and p.deleted_at and not p.body_source for p in posts)
    assert not PostRevision.objects.filter(post__author=official).exists()
    assert not ChatMessage.objects.filter(author=official, deleted_at__isnull=True).exists()
    assert list(Thread.objects.values_list("pk", "post_count")) == threads
    client = signed_in(secretariat)
    post = posts.first()
    page = client.get(
        reverse("thread_detail", kwargs={"slug": post.thread.workspace.slug, "pk": post.thread_id})
    )
    text = unescape(page.content.decode())
    assert "Removed at the author's request." in text
    for written in words:
        assert written not in text
    event = AuditEvent.objects.get(action=AuditEvent.Action.OFFICIAL_ERASED)
    assert event.detail["content_removed"] is True


# ---------------------------------------------------------------- refusals


def test_only_the_secretariat_erases_and_only_someone_who_left(world, client_for):
    url = reverse("official_erase", kwargs={"pk": world.member.pk})
    for who in (world.member, world.focal_point, world.cochair, world.observer):
        assert client_for(who).get(url).status_code == 404, who.email
        assert client_for(who).post(url, {"confirm_email": world.member.email}).status_code == 404
    # Active: the page says to deactivate first and offers no form.
    client = client_for(world.secretariat)
    confirm_password(client)
    page = unescape(client.get(url).content.decode())
    assert "Deactivate this official first" in page and "confirm_email" not in page
    client.post(url, {"confirm_email": world.member.email})
    world.member.refresh_from_db()
    assert world.member.erased_at is None
    # Nobody erases themselves.
    own = reverse("official_erase", kwargs={"pk": world.secretariat.pk})
    assert client.get(own).status_code == 404


def test_a_wrong_confirmation_changes_nothing(world, client_for):
    account_services.official_deactivate(
        actor=world.secretariat, official=world.member, reason="Left"
    )
    client = client_for(world.secretariat)
    confirm_password(client)
    url = reverse("official_erase", kwargs={"pk": world.member.pk})
    response = client.post(url, {"confirm_email": "someone.else@example.test"})
    assert response.status_code == 200
    assert "This is not the official's email address." in unescape(response.content.decode())
    world.member.refresh_from_db()
    assert world.member.erased_at is None and world.member.full_name != "Former official"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.OFFICIAL_ERASED).exists()


def test_an_erased_official_cannot_sign_in_or_be_erased_again(world, client_for):
    email = world.member.email
    account_services.official_deactivate(
        actor=world.secretariat, official=world.member, reason="Left"
    )
    erasure.official_erase(actor=world.secretariat, official=world.member, remove_content=False)
    response = Client().post(
        reverse("account_login"), {"login": email, "password": "correct horse battery staple"}
    )
    assert "_auth_user_id" not in response.wsgi_request.session
    client = client_for(world.secretariat)
    url = reverse("official_erase", kwargs={"pk": world.member.pk})
    assert "erased already" in unescape(client.get(url).content.decode())
    with pytest.raises(Exception, match="erased already"):
        erasure.official_erase(actor=world.secretariat, official=world.member, remove_content=False)


def test_the_audit_log_shows_older_events_about_them_without_their_words(world, client_for):
    email, name = world.member.email, world.member.full_name
    account_services.official_deactivate(
        actor=world.secretariat, official=world.member, reason=f"{name} left"
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.USER_DEACTIVATED)
    assert email in event.summary  # written before: the row itself stays as it was
    erasure.official_erase(actor=world.secretariat, official=world.member, remove_content=False)
    page = unescape(client_for(world.secretariat).get(reverse("audit_log")).content.decode())
    assert email not in page and name not in page
    assert "Official deactivated" in page and f"Former official {world.member.pk}" in page
    event.refresh_from_db()
    assert email in event.summary  # still unchanged: append-only


def test_the_admins_history_names_them_by_the_label(world):
    LogEntry.objects.create(
        user=world.secretariat,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(world.member.pk),
        object_repr=str(world.member),
        action_flag=CHANGE,
    )
    account_services.official_deactivate(
        actor=world.secretariat, official=world.member, reason="Left"
    )
    erasure.official_erase(actor=world.secretariat, official=world.member, remove_content=False)
    entry = LogEntry.objects.get(object_id=str(world.member.pk))
    assert entry.object_repr.startswith("Former official")


def test_their_personal_data_archives_go_with_them(world, django_capture_on_commit_callbacks):
    from privacy.models import DataExport
    from privacy.my_data.services import data_export_request, exports_dir

    with django_capture_on_commit_callbacks(execute=True):
        data_export_request(actor=world.member)
    export = DataExport.objects.get(user=world.member)
    archive = exports_dir() / export.file_name
    assert export.file_name and archive.exists()
    account_services.official_deactivate(
        actor=world.secretariat, official=world.member, reason="Left"
    )
    erasure.official_erase(actor=world.secretariat, official=world.member, remove_content=False)
    assert not archive.exists()
    assert not DataExport.objects.filter(user=world.member).exists()


def test_a_departed_co_chair_or_secretariat_colleague_can_be_erased(world):
    from tests.factories import UserFactory

    colleague = UserFactory(email="colleague@example.test", secretariat=True)
    for person in (world.cochair, colleague):
        with pytest.raises(ValidationError, match="Deactivate this official first"):
            erasure.official_erase(actor=world.secretariat, official=person, remove_content=False)
        User.objects.filter(pk=person.pk).update(is_active=False)
        person.refresh_from_db()
        assert can(world.secretariat, Capability.ERASE_OFFICIALS, person)
        erasure.official_erase(actor=world.secretariat, official=person, remove_content=False)
        person.refresh_from_db()
        assert person.erased_at is not None
    assert not can(world.secretariat, Capability.ERASE_OFFICIALS, world.secretariat)


def test_their_invitation_events_and_addresses_leave_the_audit_log_pages(world, client_for):
    invitation, token = account_services.invitation_create(
        actor=world.secretariat,
        email="jane.doe@example.test",
        full_name="Jane Doe",
        jurisdiction=world.eu,
        role="official",
    )
    jane = account_services.invitation_accept(
        token=token, full_name="Jane Doe", password="Harbour-lantern-7-quietly"
    )
    AuditEvent.objects.create(
        action=AuditEvent.Action.LOGIN, actor=jane, target_user=jane, ip_address="203.0.113.77"
    )
    account_services.official_deactivate(actor=world.secretariat, official=jane, reason="Left")
    erasure.official_erase(actor=world.secretariat, official=jane, remove_content=False)
    client = client_for(world.secretariat)
    page = unescape(client.get(reverse("audit_log")).content.decode())
    assert "Invitation sent" in page
    for trace in ("jane.doe@example.test", "Jane Doe", "203.0.113.77"):
        assert trace not in page, trace
    csv = streamed(client.get(reverse("audit_log_csv")))
    for trace in ("jane.doe@example.test", "Jane Doe", "203.0.113.77"):
        assert trace not in csv, trace


def test_names_are_rewritten_in_the_html_as_the_sanitiser_writes_them(world, dialogue):
    official = world.member
    official.full_name = "Siobhán O'Brien & Co"
    official.save()
    post = thread_services.post_reply(
        actor=world.focal_point,
        thread=dialogue.public_thread,
        body="As Siobhán O'Brien & Co said, the cap should fall.",
    )
    account_services.official_deactivate(actor=world.secretariat, official=official, reason="x")
    erasure.official_erase(actor=world.secretariat, official=official, remove_content=False)
    post.refresh_from_db()
    assert "O'Brien" not in post.body_source and "O'Brien" not in unescape(post.body_html)
    assert f"Former official {official.pk} said" in unescape(post.body_html)


def test_the_label_is_stored_in_the_sites_language_whatever_the_erasers(world):
    from django.utils import translation

    account_services.official_deactivate(actor=world.secretariat, official=world.member, reason="x")
    with translation.override("ja"):
        erasure.official_erase(actor=world.secretariat, official=world.member, remove_content=False)
    world.member.refresh_from_db()
    assert world.member.full_name == f"Former official {world.member.pk}"


def test_a_handle_already_taken_by_someone_else_is_not_reused(world):
    from tests.factories import UserFactory

    taken = f"former-official-{world.member.pk}"
    UserFactory(email=f"{taken}@example.test", handle=taken, jurisdiction=world.nz)
    account_services.official_deactivate(actor=world.secretariat, official=world.member, reason="x")
    erasure.official_erase(actor=world.secretariat, official=world.member, remove_content=False)
    world.member.refresh_from_db()
    assert world.member.handle != taken and world.member.handle.startswith(taken)
