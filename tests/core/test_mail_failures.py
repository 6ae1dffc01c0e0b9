"""A mail server that is down never fails an action: signing in (with or without a
verification email), a password reset, an invitation, a mention's email and the digest all
complete; the failure is one JSON log line without content, and pages whose point is an email
say it was not sent. Links in allauth's emails start with ENCLAVE_SITE_URL."""

import json
import logging
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import Invitation
from config.logs import JsonFormatter
from dialogues.models import Notification
from dialogues.notifications.digest import send_digests
from dialogues.threads import services as thread_services
from tests.factories import PASSWORD, UserFactory

NOT_SENT = "could not send the email"
SITE = "https://enclave.example.org:8443"


@pytest.fixture(params=["smtp", "refused"])
def mail_down(request, settings, caplog):
    settings.MAILERS = {
        "default": {
            "BACKEND": "tests.failing_mail.FailingEmailBackend",
            "OPTIONS": {"error": request.param},
        }
    }
    caplog.set_level(logging.INFO, logger="enclave.mail")
    return caplog


def mail_lines(caplog) -> list[dict]:
    """The enclave.mail records, as the JSON lines the log would hold."""
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(record))
        for record in caplog.records
        if record.name == "enclave.mail"
    ]


def assert_logged_without_content(caplog, kind: str, *secrets: str) -> None:
    lines = mail_lines(caplog)
    assert [line["kind"] for line in lines] == [kind], lines
    assert lines[0]["error"] in {"SMTPServerDisconnected", "ConnectionRefusedError"}
    text = json.dumps(lines)
    for secret in secrets:
        assert secret not in text


def sign_in(client, email):
    return client.post(
        reverse("account_login"), {"login": email, "password": PASSWORD}, follow=True
    )


def test_signing_in_works_with_the_mail_server_down(world, client, mail_down):
    response = sign_in(client, world.member.email)
    assert response.status_code == 200
    assert int(client.session["_auth_user_id"]) == world.member.pk


def test_signing_in_with_an_unverified_address_says_the_email_was_not_sent(db, client, mail_down):
    user = UserFactory(email="unverified@example.test")
    EmailAddress.objects.filter(user=user).update(verified=False)
    response = sign_in(client, user.email)
    assert response.status_code == 200
    assert reverse("account_email_verification_sent") in [url for url, _ in response.redirect_chain]
    assert NOT_SENT in response.content.decode()
    assert_logged_without_content(mail_down, "email_confirmation", user.email, "Confirm")


@pytest.mark.parametrize("known", [True, False])
def test_password_reset_says_the_email_was_not_sent(world, client, mail_down, known):
    email = world.member.email if known else "nobody@example.test"
    response = client.post(reverse("account_reset_password"), {"email": email}, follow=True)
    assert response.status_code == 200
    # The same answer whether or not the address has an account.
    assert NOT_SENT in response.content.decode()
    kind = "password_reset_key" if known else "unknown_account"
    assert_logged_without_content(mail_down, kind, email, "Password Reset")


@pytest.mark.django_db(transaction=True)
def test_an_invitation_is_saved_and_the_page_says_its_email_was_not_sent(
    world, client_for, mail_down
):
    client = client_for(world.cochair)
    response = client.post(
        reverse("invitation_create") + "?jurisdiction=eu",
        {
            "jurisdiction_code": "eu",
            "jurisdiction": world.eu.pk,
            "email": "invitee@example.test",
            "full_name": "Invited Official",
            "role": "official",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Invitation.objects.filter(email="invitee@example.test").exists()
    assert NOT_SENT in response.content.decode()
    assert_logged_without_content(mail_down, "invitation", "invitee@example.test")


def test_a_mention_and_the_digest_complete_and_are_kept_for_later(
    world, dialogue, mail_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        thread_services.post_reply(
            actor=world.member, thread=dialogue.public_thread, body="@observer see the annex"
        )
    notifications = Notification.objects.filter(recipient=world.observer)
    assert notifications.exists()
    assert not notifications.filter(emailed_at__isnull=False).exists()
    assert_logged_without_content(mail_down, "notification", world.observer.email, "annex")

    mail_down.clear()
    assert send_digests() == 0
    # Counted again by the next run.
    assert not notifications.filter(digested_at__isnull=False).exists()
    assert {line["kind"] for line in mail_lines(mail_down)} == {"digest"}


def test_password_reset_link_starts_with_the_site_url(world, client, settings):
    settings.ENCLAVE_SITE_URL = SITE
    client.post(reverse("account_reset_password"), {"email": world.member.email})
    [message] = mail.outbox
    link = re.search(r"https?://\S+", message.body).group(0)
    assert link.startswith(SITE + "/accounts/password/reset/key/")
    assert "testserver" not in message.body


def test_confirmation_link_starts_with_the_site_url(db, client, settings):
    settings.ENCLAVE_SITE_URL = SITE
    user = UserFactory(email="unverified@example.test")
    EmailAddress.objects.filter(user=user).update(verified=False)
    sign_in(client, user.email)
    [message] = mail.outbox
    links = re.findall(r"https?://\S+", message.body)
    assert links and all(link.startswith(SITE + "/") for link in links), links
    assert "testserver" not in message.body
