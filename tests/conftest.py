"""The cast: one user for every role, in a small world of jurisdictions."""

from dataclasses import dataclass

import pytest

from accounts.models import Jurisdiction, User

from .factories import JurisdictionFactory, UserFactory, enrol_totp
from .signing_in import confirm_password


@dataclass
class World:
    eu: Jurisdiction
    nz: Jurisdiction
    chile: Jurisdiction
    former: Jurisdiction
    cochair: User
    secretariat: User
    focal_point: User
    member: User
    member_nz: User
    observer: User
    former_official: User
    deactivated: User

    @property
    def users(self) -> list[User]:
        return [
            self.cochair,
            self.secretariat,
            self.focal_point,
            self.member,
            self.member_nz,
            self.observer,
            self.former_official,
            self.deactivated,
        ]


@pytest.fixture
def world(db) -> World:
    eu = JurisdictionFactory(name="European Union", code="eu")
    nz = JurisdictionFactory(name="New Zealand", code="nz")
    chile = JurisdictionFactory(name="Chile", code="cl", status=Jurisdiction.Status.OBSERVER)
    former = JurisdictionFactory(name="Atlantis", code="at", status=Jurisdiction.Status.FORMER)
    cochair = UserFactory(email="cochair@example.test", jurisdiction=nz, is_co_chair=True)
    secretariat = UserFactory(email="secretariat@example.test", secretariat=True)
    enrol_totp(cochair)
    enrol_totp(secretariat)
    return World(
        eu=eu,
        nz=nz,
        chile=chile,
        former=former,
        cochair=cochair,
        secretariat=secretariat,
        focal_point=UserFactory(email="focal@example.test", jurisdiction=eu, is_focal_point=True),
        member=UserFactory(email="member@example.test", jurisdiction=eu),
        member_nz=UserFactory(email="kiwi@example.test", jurisdiction=nz),
        observer=UserFactory(email="observer@example.test", jurisdiction=chile),
        former_official=UserFactory(email="former@example.test", jurisdiction=former),
        deactivated=UserFactory(email="gone@example.test", jurisdiction=eu, is_active=False),
    )


@pytest.fixture
def client_for(db):
    """A new test client signed in as the given user (MFA satisfied where the user enrolled it)."""
    from django.test import Client

    def sign_in(user: User):
        client = Client()
        client.force_login(user, backend="accounts.backends.OfficialBackend")
        return client

    return sign_in


@pytest.fixture
def reauthenticate():
    """`reauthenticate(client)`: tests/signing_in.confirm_password as a fixture."""
    return confirm_password


@pytest.fixture(autouse=True)
def default_language():
    """A request in another language leaves it active in the thread: no test inherits it."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits and used TOTP codes live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class Dialogue:
    """Two workspaces over the cast: `offsets` (EU and Chile, observers contribute, the
    Secretariat facilitates) and `closed` (New Zealand, and Chile on the roster of a dialogue
    closed to observers)."""

    offsets: object
    closed: object
    public_thread: object
    members_thread: object
    closed_thread: object
    opening: object
    reply: object


@pytest.fixture
def dialogue(world) -> Dialogue:
    from dialogues.threads import services as thread_services
    from workspaces import services as workspace_services
    from workspaces.access import WorkspaceRole
    from workspaces.services import roster_add_jurisdiction

    offsets = workspace_services.workspace_create(
        actor=world.secretariat,
        title="Offsets and removals",
        slug="offsets",
        purpose="How offsets may count.",
        observer_policy="contribute",
    )
    for jurisdiction in (world.eu, world.chile):
        roster_add_jurisdiction(
            actor=world.secretariat,
            workspace=offsets,
            jurisdiction=jurisdiction,
            role=WorkspaceRole.PARTICIPANT,
        )
    closed = workspace_services.workspace_create(
        actor=world.cochair, title="Linking talks", slug="closed", observer_policy="none"
    )
    # Chile (an observer) is on the roster too, and still sees nothing: its observer policy
    # closes the dialogue to observers, whoever put them on the roster.
    for jurisdiction in (world.nz, world.chile):
        roster_add_jurisdiction(
            actor=world.cochair,
            workspace=closed,
            jurisdiction=jurisdiction,
            role=WorkspaceRole.PARTICIPANT,
        )
    public_thread = thread_services.thread_create(
        actor=world.member,
        workspace=offsets,
        title="Quality criteria for offsets",
        body="Which **criteria** matter most?",
    )
    members_thread = thread_services.thread_create(
        actor=world.member,
        workspace=offsets,
        title="Negotiating position on removals",
        body="Our confidential position draft.",
        audience="full_members",
    )
    closed_thread = thread_services.thread_create(
        actor=world.member_nz,
        workspace=closed,
        title="Registry interoperability",
        body="Secret linking detail.",
    )
    opening = public_thread.posts.get(depth=0)
    reply = thread_services.post_reply(
        actor=world.observer, thread=public_thread, parent=opening, body="Chile's view on it."
    )
    return Dialogue(offsets, closed, public_thread, members_thread, closed_thread, opening, reply)


@pytest.fixture(autouse=True)
def documents_dir():
    """The documents directory, emptied before each test."""
    import shutil
    from pathlib import Path

    from workspaces.models import documents_storage

    location = Path(documents_storage().location)
    shutil.rmtree(location, ignore_errors=True)
    location.mkdir(parents=True, exist_ok=True)
    return location
