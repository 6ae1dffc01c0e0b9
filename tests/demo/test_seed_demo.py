"""The demo world: the logins the README promises, idempotent."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import Jurisdiction, User
from demo.accounts import DEMO_TOTP_SECRET, demo_logins
from workspaces.access import Role, roles_of

DOMAIN = "demo.enclave.test"


def test_seed_demo_creates_the_promised_logins_and_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    expected = {
        "cochair": {Role.CO_CHAIR, Role.MEMBER_OFFICIAL},
        "cochair2": {Role.CO_CHAIR, Role.MEMBER_OFFICIAL},
        "secretariat": {Role.SECRETARIAT},
        "eu": {Role.MEMBER_OFFICIAL, Role.FOCAL_POINT},
        "brussels": {Role.MEMBER_OFFICIAL},
        "california": {Role.MEMBER_OFFICIAL},
        "quebec": {Role.MEMBER_OFFICIAL},
        "nz": {Role.MEMBER_OFFICIAL, Role.FOCAL_POINT},
        "korea": {Role.MEMBER_OFFICIAL},
        "chile": {Role.OBSERVER_OFFICIAL, Role.FOCAL_POINT},
        "japan": {Role.OBSERVER_OFFICIAL},
    }
    for local, roles in expected.items():
        user = User.objects.get(email=f"{local}@{DOMAIN}")
        assert user.check_password("enclave-demo")
        assert roles_of(user) == roles, local
    # Two Co-Chairs, as the README says, from two continents, each with TOTP.
    assert User.objects.get(email=f"cochair@{DOMAIN}").jurisdiction.name == "New Zealand"
    assert User.objects.get(email=f"cochair2@{DOMAIN}").jurisdiction.name == "Washington"
    assert User.objects.filter(is_co_chair=True).count() == 2
    assert User.objects.count() == len(expected)
    totp = Authenticator.objects.filter(type="totp").select_related("user")
    assert {a.user.email for a in totp} == {
        f"{local}@{DOMAIN}" for local in ("cochair", "cochair2", "secretariat")
    }
    assert {decrypt(a.data["secret"]) for a in totp} == {DEMO_TOTP_SECRET}
    assert Jurisdiction.objects.get(code="cl").status == Jurisdiction.Status.OBSERVER
    for jurisdiction in Jurisdiction.objects.all():
        officials = set(jurisdiction.officials.values_list("pk", flat=True))
        assert officials == set(jurisdiction.group.user_set.values_list("pk", flat=True))


def test_seed_demo_shares_documents_with_versions(db):
    from workspaces.models import Document

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    offsets = Document.objects.filter(workspace__slug="offsets")
    members_only = offsets.get(audience="full_members")
    do_not_cite = offsets.get(marking="do_not_cite")
    assert members_only.versions.count() == 2 and do_not_cite.versions.count() == 2
    # Five in the dialogues, five in the partnership library: a second seeding adds none.
    assert Document.objects.filter(workspace__kind="dialogue").count() == 5
    assert Document.objects.filter(workspace__kind="library").count() == 5
    for document in Document.objects.all():
        for version in document.versions.all():
            assert version.file.storage.exists(version.file.name)


@override_settings(ENCLAVE_ENVIRONMENT="production")
def test_seed_demo_refuses_production_settings(db):
    # Production settings do not install the demo app; a settings module that does is refused.
    with pytest.raises(CommandError, match="refuses to run under production"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()


def test_the_demo_logins_name_both_co_chairs_with_their_totp():
    logins = dict(demo_logins())
    assert logins[f"cochair@{DOMAIN}"].startswith("Co-Chair, official of New Zealand")
    assert logins[f"cochair2@{DOMAIN}"].startswith("Co-Chair, official of Washington")
    assert DEMO_TOTP_SECRET in logins[f"cochair@{DOMAIN}"]
    assert DEMO_TOTP_SECRET in logins[f"cochair2@{DOMAIN}"]
