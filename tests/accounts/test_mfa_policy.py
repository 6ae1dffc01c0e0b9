"""MFA is mandatory for Co-Chairs and the Secretariat, and optionally for everyone."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.factories import UserFactory


@pytest.fixture
def new_cochair(world):
    return UserFactory(email="newchair@example.test", jurisdiction=world.eu, is_co_chair=True)


def test_privileged_user_without_mfa_is_sent_to_setup(new_cochair, client_for):
    client = client_for(new_cochair)
    for name in ("home", "membership", "audit_log", "profile"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response.url == reverse("mfa_activate_totp")
    # The setup page itself is reachable (allauth may first ask to confirm the password).
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200 or setup.url.startswith(reverse("account_reauthenticate"))


def test_enrolled_privileged_user_gets_in(world, client_for):
    assert client_for(world.cochair).get(reverse("membership")).status_code == 200


def test_members_need_no_mfa_by_default(world, client_for):
    assert client_for(world.member).get(reverse("home")).status_code == 200


def test_setting_makes_mfa_mandatory_for_everyone(world, client_for, settings):
    settings.ENCLAVE_MFA_REQUIRED_FOR_ALL = True
    response = client_for(world.member).get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")


def test_totp_enrolment_is_audited(world, django_capture_on_commit_callbacks):
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from tests.factories import PASSWORD

    user = UserFactory(email="fresh@example.test", jurisdiction=world.eu, is_co_chair=True)
    from django.test import Client

    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert client.get(reverse("home")).url == reverse("mfa_activate_totp")
    # Managing second factors asks for the password again first.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    from accounts.models import AuditEvent

    assert AuditEvent.objects.filter(action="mfa_added", target_user=user).exists()
    assert client.get(reverse("home")).status_code == 200
