"""Languages: the signed-in user's stored choice, the browser's and the cookie's signed out, the
profile's select, the sign-in page's switcher (set_language), and emails in the reader's language.

Enclave's own catalogs are compiled by the lead at the end of #18: these tests read Django's own
catalog ("Ce champ est obligatoire.", month names) and the language active while a template was
rendered, so that they hold whatever Enclave's catalogs say.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import formats, translation

from accounts import services
from accounts.models import Invitation, User
from core.mail import in_language, reader_language, send_email_in

STRONG = "a-long-and-unusual-passphrase-42"
FRENCH_REQUIRED = "Ce champ est obligatoire."
SPANISH_REQUIRED = "Este campo es obligatorio."
DECEMBER = datetime.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def default_language_after():
    """LocaleMiddleware leaves the last request's language active in the test's thread."""
    yield
    translation.deactivate()


@pytest.fixture
def rendered_in():
    """The language active while each template was rendered: {template name: [languages]}."""
    seen: dict[str, list[str]] = {}

    def record(sender, template, context, **kwargs):
        seen.setdefault(template.name, []).append(translation.get_language())

    template_rendered.connect(record)
    yield seen
    template_rendered.disconnect(record)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def choose(user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


# ------------------------------------------------------------------------------
# Which language a page is in
# ------------------------------------------------------------------------------


def test_the_signed_in_users_stored_language_is_active_on_their_pages(world, client_for):
    choose(world.member, "fr")
    client = client_for(world.member)
    # Their own choice wins over what this browser asks and over the device's cookie.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    assert html_lang(response) == "fr"
    assert response.headers["Content-Language"] == "fr"
    # A string from Django's own catalog: a required field left empty on the profile.
    refused = client.post(reverse("profile"), {"full_name": "", "timezone": "UTC"})
    assert FRENCH_REQUIRED in refused.content.decode()


def test_without_a_stored_choice_the_browser_decides_as_signed_out(world, client_for):
    client = client_for(world.member)
    assert world.member.language == ""
    assert html_lang(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es-CL,es;q=0.9")) == "es"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    assert html_lang(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es")) == "ja"


def test_a_stored_language_no_longer_offered_is_ignored(world, client_for):
    choose(world.member, "de")
    response = client_for(world.member).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es")
    assert html_lang(response) == "es"


def test_accept_language_works_signed_out(db, client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.8")
    assert html_lang(response) == "es"
    refused = client.post(reverse("account_login"), {}, HTTP_ACCEPT_LANGUAGE="es")
    assert SPANISH_REQUIRED in refused.content.decode()
    # A language Enclave does not offer: the default.
    assert html_lang(client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="de")) == "en"


# ------------------------------------------------------------------------------
# Choosing: the profile and the sign-in page's switcher
# ------------------------------------------------------------------------------


def test_the_profile_offers_each_language_in_its_own_name(world, client_for):
    html = client_for(world.member).get(reverse("profile")).content.decode()
    select = re.search(r'<select name="language".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="([^"]*)"(?: lang="([^"]*)")?[^>]*>([^<]*)<', select)
    assert [(value, lang, name) for value, lang, name in options][1:] == [
        ("en", "en", "English"),
        ("fr", "fr", "Français"),
        ("es", "es", "Español"),
        ("ja", "ja", "日本語"),
    ]
    assert options[0][0] == ""  # no choice yet: the browser's


def test_the_profile_stores_the_choice_and_sets_the_cookie(world, client_for):
    client = client_for(world.member)
    data = {"full_name": "Camille Martin", "timezone": "Europe/Paris", "language": "fr"}
    response = client.post(reverse("profile"), data)
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert world.member.language == "fr"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = client.get(reverse("profile"))
    assert html_lang(page) == "fr"
    assert '<option value="fr" selected lang="fr">' in page.content.decode()

    # Back to "the browser's language": stored blank, the browser decides again.
    response = client.post(reverse("profile"), {**data, "language": ""})
    world.member.refresh_from_db()
    assert world.member.language == ""
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    assert html_lang(client.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="ja")) == "ja"


def test_the_profile_refuses_a_language_not_offered(world, client_for):
    client = client_for(world.member)
    data = {"full_name": "Camille Martin", "timezone": "Europe/Paris", "language": "de"}
    response = client.post(reverse("profile"), data)
    assert response.status_code == 200
    assert 'id="id_language_error"' in response.content.decode()
    world.member.refresh_from_db()
    assert world.member.language == ""
    with pytest.raises(Exception, match="languages offered"):
        services.profile_update(
            actor=world.member, full_name="Camille", timezone_name="UTC", language="de"
        )


def test_the_sign_in_page_switches_language_and_keeps_next_on_this_site(db):
    client = Client(enforce_csrf_checks=True)
    login = client.get(reverse("account_login") + "?next=/w/offsets/")
    html = login.content.decode()
    switcher = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', html, re.S)
    assert switcher, "the sign-in page has a language switcher"
    assert 'name="next" value="/accounts/login/?next=/w/offsets/"' in switcher.group(0)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', switcher.group(0)).group(1)
    back = "/accounts/login/?next=/w/offsets/"

    response = client.post(
        reverse("set_language"),
        {
            "language": "fr",
            "next": "/accounts/login/?next=/w/offsets/",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    assert response.url == back
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert html_lang(client.get(reverse("account_login"))) == "fr"

    # Another site as `next`: not followed.
    response = client.post(
        reverse("set_language"),
        {"language": "es", "next": "https://evil.example/", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert response.url == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


# ------------------------------------------------------------------------------
# A new account's language, and emails in the reader's language
# ------------------------------------------------------------------------------


def _invite(world, *, language=None, email="new@example.test"):
    return services.invitation_create(
        actor=world.cochair,
        email=email,
        full_name="New Official",
        jurisdiction=world.eu,
        role="official",
        language=language,
    )


def _accept(client, token, **headers):
    data = {"full_name": "New Official", "password1": STRONG, "password2": STRONG}
    url = reverse("invitation_accept", kwargs={"token": token})
    return client.post(url, data, **headers)


def test_the_invitation_page_has_the_switcher(world, client):
    _invitation, token = _invite(world)
    url = reverse("invitation_accept", kwargs={"token": token})
    html = client.get(url).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert f'name="next" value="{url}"' in html


def test_a_new_account_takes_the_invitations_language(world, client):
    _invitation, token = _invite(world, language="es")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert _accept(client, token).status_code == 302
    assert User.objects.get(email="new@example.test").language == "es"


def test_else_the_language_the_invitee_accepted_in(world, client):
    _invitation, token = _invite(world)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    assert _accept(client, token).status_code == 302
    assert User.objects.get(email="new@example.test").language == "ja"


def test_the_invitation_email_is_in_the_language_the_inviter_picked(
    world, django_capture_on_commit_callbacks, rendered_in
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        invitation, _token = _invite(world, language="fr")
    [message] = mail.outbox
    assert rendered_in["accounts/email/invitation.txt"] == ["fr"]
    # The expiry's month is named in French (Django's catalog), in the invitation's zone.
    with translation.override("fr"):
        month = formats.date_format(invitation.expires_at, "F")
    assert month in message.body
    assert Invitation.objects.get(pk=invitation.pk).language == "fr"


def test_without_a_pick_the_invitation_email_is_in_the_inviters_language(
    world, django_capture_on_commit_callbacks, rendered_in
):
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        _invite(world)
    assert rendered_in["accounts/email/invitation.txt"] == ["es"]


def _post_invitation(client, world, language: str):
    data = {
        "email": "new@example.test",
        "full_name": "New Official",
        "role": "official",
        "jurisdiction": world.eu.pk,
        "jurisdiction_code": "eu",
        "language": language,
    }
    return client.post(reverse("invitation_create"), data)


def test_the_invitation_form_offers_each_language_in_its_own_name(world, client_for):
    page = client_for(world.cochair).get(reverse("jurisdiction_detail", kwargs={"code": "eu"}))
    select = re.search(r'<select name="language".*?</select>', page.content.decode(), re.S)
    assert select is not None
    assert re.findall(r'<option value="([^"]*)"', select.group(0)) == ["", "en", "fr", "es", "ja"]
    assert '<option value="fr" lang="fr">Français</option>' in select.group(0)


def test_the_single_invitation_form_sends_in_the_language_picked(
    world, client_for, django_capture_on_commit_callbacks, rendered_in
):
    client = client_for(world.cochair)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_invitation(client, world, "ja")
    assert response.status_code == 302
    assert Invitation.objects.get(email="new@example.test").language == "ja"
    assert rendered_in["accounts/email/invitation.txt"] == ["ja"]
    assert len(mail.outbox) == 1


def test_the_single_invitation_form_refuses_a_language_not_offered(world, client_for):
    response = _post_invitation(client_for(world.cochair), world, "xx")
    assert response.status_code == 200
    assert "xx" in response.content.decode()  # the choice refused beside the field
    assert not Invitation.objects.filter(email="new@example.test").exists()
    assert mail.outbox == []


def test_mail_renders_subject_and_body_in_the_readers_language(db, rendered_in):
    with translation.override("en"):
        sent = send_email_in(
            "fr",
            kind="test",
            subject=lambda: f"{translation.get_language()} {formats.date_format(DECEMBER, 'F')}",
            template="accounts/email/invitation.txt",
            context={"invitation": None, "url": "https://x", "expires": ""},
            to=["reader@example.test"],
        )
        assert translation.get_language() == "en"  # the sender's language is back
    assert sent
    assert mail.outbox[0].subject == "fr décembre"
    assert rendered_in["accounts/email/invitation.txt"] == ["fr"]


def test_a_readers_language_falls_back_to_what_enclave_offers():
    assert reader_language("fr") == "fr"
    assert reader_language("fr-ca") == "fr"
    assert reader_language("de") == settings.LANGUAGE_CODE
    assert reader_language("") == settings.LANGUAGE_CODE
    with in_language("ja") as language:
        assert language == translation.get_language() == "ja"


def test_allauth_emails_go_in_the_accounts_chosen_language(world, client):
    """A password reset asked from an English page reaches a French-speaking official in French
    (allauth's own catalog)."""
    choose(world.member, "fr")
    client.post(reverse("account_reset_password"), {"email": world.member.email})
    assert len(mail.outbox) == 1
    french = mail.outbox[0].subject
    choose(world.member, "")
    client.post(reverse("account_reset_password"), {"email": world.member.email})
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject != french
    assert "password" in mail.outbox[1].subject.lower()
    assert "mot de passe" in french.lower()
