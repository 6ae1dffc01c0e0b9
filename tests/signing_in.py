"""Signing in as a test does it: allauth's own pages, where the flow itself is what counts."""

from django.urls import reverse

from .factories import PASSWORD


def confirm_password(client, password: str = PASSWORD) -> None:
    """The official confirms their password on allauth's reauthentication page, as a sensitive
    action (MFA changes, a data export, erasing an official, a jurisdiction's status, API tokens)
    asks within ACCOUNT_REAUTHENTICATION_TIMEOUT of doing it."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, "the reauthentication page did not accept the password"
