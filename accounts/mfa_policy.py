"""Who must have a second factor before using Enclave."""

from allauth.mfa.models import Authenticator
from django.conf import settings


def mfa_required(user) -> bool:
    return bool(
        settings.ENCLAVE_MFA_REQUIRED_FOR_ALL
        or user.is_co_chair
        or user.is_secretariat
        or user.is_staff
    )


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()
