"""Deny by default: every route declares its access rule, and each rule holds when exercised."""

import contextlib
import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import Resolver404, reverse
from django.utils import timezone

from config.route_rules import WEBSOCKET_RULES, Rule, iter_routes, rule_for
from config.websocket_routes import websocket_urlpatterns
from dialogues.meetings import minutes as meeting_minutes
from dialogues.models import DialogueSession
from tests.factories import (
    DialogueSessionFactory,
    DocumentFactory,
    UserFactory,
    WorkspaceFactory,
)
from workspaces.access import Capability, can

# Values for URL arguments, by argument name. Object routes get an object the privileged
# user may see (see `objects` below).
SAMPLE_ARGUMENTS = {
    "code": lambda o: o["jurisdiction"].code,
    "slug": lambda o: o["workspace"].slug,
    "seq": lambda o: o["chat_message"].seq,
    "token": lambda o: o["token"],
    "key": lambda o: "not-a-key",
    "uidb36": lambda o: "1",
    "fmt": lambda o: "html",
    "session": lambda o: o["live_session"].pk,
}
OBJECT_ARGUMENTS = {
    "insights_chart": lambda o: {"name": "grid"},
    "factsheet_version": lambda o: {"code": "nz", "number": o["factsheet_version"].number},
    "factsheet_approve": lambda o: {"code": "nz", "number": o["factsheet_version"].number},
    "factsheet_return": lambda o: {"code": "nz", "number": o["factsheet_version"].number},
    "factsheet_field": lambda o: {"code": "nz", "key": "cap"},
    "library_entry_edit": lambda o: {"pk": o["library_document"].pk},
    "invitation_revoke": lambda o: {"pk": o["invitation"].pk},
    "official_deactivate": lambda o: {"pk": o["official"].pk},
    "official_reactivate": lambda o: {"pk": o["official"].pk},
    "official_erase": lambda o: {"pk": o["official"].pk},
    "official_role": lambda o: {"pk": o["official"].pk},
    "notification_open": lambda o: {"pk": 1},
    "api_token_revoke": lambda o: {"pk": 1},
    "workspace_reopen": lambda o: {"slug": o["archived"].slug},
    "post_edit": lambda o: {"pk": o["own_post"].pk},
    "post_delete": lambda o: {"pk": o["own_post"].pk},
    "minutes_edit": lambda o: _reviewed(o, item=o["reviewed_session"].agenda.first().pk),
    "action_create": lambda o: _reviewed(o, item=o["reviewed_session"].agenda.first().pk),
    "action_remove": lambda o: _reviewed(o, action=o["action"].pk),
    "action_done": lambda o: _reviewed(o, action=o["action"].pk),
    "minutes_share": lambda o: _reviewed(o),
    "minutes_comment": lambda o: _reviewed(o),
    "pseudonym_unmask": lambda o: {"slug": o["workspace"].slug, "pk": o["pseudonym"].pk},
    "document_preview": lambda o: _preview(o["document"]),
    "mfa_remove_webauthn": lambda o: {"pk": 1},
    "mfa_edit_webauthn": lambda o: {"pk": 1},
}


def _preview(document):
    """A preview image of the document's version, stored as the extraction task stores one."""
    from django.core.files.base import ContentFile

    from workspaces.models import DocumentPreview, documents_storage

    version = document.versions.order_by("-number").first()
    preview = DocumentPreview.objects.filter(version=version).first()
    if preview is None:
        name = documents_storage().save("preview-guard.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
        preview = DocumentPreview.objects.create(
            version=version, page=1, file=name, width=1, height=1
        )
    return {"slug": document.workspace.slug, "pk": document.pk, "preview": preview.pk}


def _reviewed(o, **extra):
    return {"slug": o["workspace"].slug, "pk": o["reviewed_session"].pk, **extra}


def all_routes():
    return [(name, route) for name, route, _ in iter_routes()]


def test_every_route_declares_an_access_rule():
    undeclared = [
        f"{name or '(unnamed)'} {route}"
        for name, route in all_routes()
        if not name or rule_for(name) is None
    ]
    assert not undeclared, "Routes with no declared access rule:\n" + "\n".join(undeclared)


def test_every_websocket_route_declares_an_access_rule():
    undeclared = [
        str(p.pattern) for p in websocket_urlpatterns if str(p.pattern) not in WEBSOCKET_RULES
    ]
    assert not undeclared


def test_login_required_middleware_is_on():
    assert "django.contrib.auth.middleware.LoginRequiredMiddleware" in settings.MIDDLEWARE


def test_an_undeclared_view_fails_the_guard(settings):
    """Adding a view without declaring it must make the suite fail."""
    import types

    from django.http import HttpResponse
    from django.urls import clear_url_caches, include, path

    module = types.ModuleType("undeclared_urls")
    module.urlpatterns = [
        path("", include("config.urls")),
        path("sneaky/", lambda request: HttpResponse("hi"), name="sneaky"),
    ]
    import sys

    sys.modules["undeclared_urls"] = module
    settings.ROOT_URLCONF = "undeclared_urls"
    clear_url_caches()
    try:
        with pytest.raises(AssertionError, match="sneaky"):
            test_every_route_declares_an_access_rule()
    finally:
        clear_url_caches()


@pytest.fixture
def objects(world, dialogue):
    from accounts import services
    from dialogues.chat.services import message_send
    from dialogues.models import ChatRoom
    from dialogues.threads import services as thread_services
    from partnership.factsheets import services as factsheet_services
    from workspaces.attribution import pseudonym_for

    invitation, token = services.invitation_create(
        actor=world.cochair, email="n@x.test", full_name="", jurisdiction=world.nz, role="official"
    )
    archived = WorkspaceFactory(
        created_by=world.secretariat,
        title="Old dialogue",
        jurisdictions=[world.eu, world.chile],  # participants, who may not reopen it
        status="archived",
    )
    live_session = _session(world, dialogue.offsets, "Live session", DialogueSession.Status.LIVE)
    reviewed = _session(
        world, dialogue.offsets, "Past session", DialogueSession.Status.MINUTES_IN_REVIEW
    )
    item = reviewed.agenda.first()
    meeting_minutes.minutes_save(
        actor=world.secretariat, session=reviewed, item=item, summary="Discussed.", decisions=""
    )
    action = meeting_minutes.action_add(
        actor=world.secretariat,
        session=reviewed,
        item=item,
        description="Circulate the note",
        owner_id=world.member.pk,
        due_date=datetime.date(2030, 1, 1),
    )
    from dialogues.announcements.services import announcement_post

    # New Zealand's factsheet: a draft submitted by the Co-Chair (an official of New Zealand),
    # awaiting New Zealand's focal point.
    factsheet_services.draft_save(actor=world.cochair, jurisdiction=world.nz, values={"cap": "1"})
    submitted = factsheet_services.draft_submit(actor=world.cochair, jurisdiction=world.nz)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from partnership.library.metadata import Metadata
    from partnership.library.services import library_share

    # Objects of another jurisdiction than the plain member's own (world.member is of the EU).
    return {
        # In the library: the plain member reads it, and may not change its details.
        "library_document": library_share(
            actor=world.secretariat,
            upload=SimpleUploadedFile("guide.txt", b"A guide"),
            title="A guide",
            metadata=Metadata("guide", "cap", 2024, "en"),
        ),
        "factsheet_version": submitted,
        "nz_focal_point": UserFactory(
            email="nz-focal@example.test", jurisdiction=world.nz, is_focal_point=True
        ),
        # To all members: the plain member reads it, and may not edit or withdraw it.
        "announcement": announcement_post(
            actor=world.secretariat,
            title="Plenary dates",
            body="The plenary meets in April.",
            audience="everyone",
        ),
        "jurisdiction": world.nz,
        "invitation": invitation,
        "official": world.member_nz,
        "token": token,
        # Workspace routes: the Secretariat facilitates `offsets`; New Zealand is not on it.
        "workspace": dialogue.offsets,
        "archived": archived,
        "document": DocumentFactory(
            workspace=dialogue.offsets, uploaded_by=world.member, title="A document"
        ),
        "chat_message": message_send(
            actor=world.secretariat,
            room=ChatRoom.objects.get(workspace=dialogue.offsets, is_workspace_room=True),
            body="Welcome",
            client_id="guard-1",
        )[0],
        "own_post": thread_services.post_reply(
            actor=world.secretariat, thread=dialogue.public_thread, body="Facilitator's note."
        ),
        "live_session": live_session,
        "session_message": message_send(
            actor=world.secretariat,
            room=DialogueSession.objects.get(pk=live_session.pk).room,
            body="Welcome to the session",
            client_id="guard-2",
        )[0],
        "reviewed_session": reviewed,
        "action": action,
        "pseudonym": pseudonym_for(
            workspace=dialogue.offsets, context="workspace:0", user_id=world.member.pk
        ),
    }


def _session(world, workspace, title, status):
    return DialogueSessionFactory(
        workspace=workspace,
        created_by=world.secretariat,
        title=title,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        time_zone="Europe/Berlin",
        status=status,
    )


def url_for(name, route_pattern, objects):
    kwargs = {}
    if name in OBJECT_ARGUMENTS:
        kwargs = OBJECT_ARGUMENTS[name](objects)
    else:
        for argument in route_pattern.pattern.regex.groupindex:
            if argument == "pk" and name.startswith("thread_"):
                kwargs[argument] = objects["workspace"].threads.first().pk
            elif argument == "pk" and name.startswith("post_"):
                kwargs[argument] = objects["own_post"].pk
            elif argument == "pk" and name.startswith(("session_", "agenda_")):
                kwargs[argument] = objects["live_session"].pk
            elif argument == "item":
                kwargs[argument] = objects["live_session"].agenda.first().pk
            elif argument == "pk" and name.startswith("announcement_"):
                kwargs[argument] = objects["announcement"].pk
            elif argument == "pk" and name.startswith(("document_", "version_")):
                kwargs[argument] = objects["document"].pk
            elif argument == "version":
                kwargs[argument] = objects["document"].versions.get().pk
            else:
                kwargs[argument] = SAMPLE_ARGUMENTS[argument](objects)
    return reverse(name, kwargs=kwargs or None)


# GET routes whose holder is sent on to the page that shows the item.
# (The acknowledgement page, with nothing to acknowledge, sends the reader on to the download.)
REDIRECTING_GETS = {"thread_unread", "post_permalink", "document_acknowledge"}


@contextlib.contextmanager
def refusals_recorded():
    """Every refusal raised while serving a request (PermissionDenied, Http404), whether it
    becomes a 403/404 or a message on a redirect: an allowed action and a refused one can both
    answer 302, so the status alone cannot tell them apart."""
    raised = []
    originals = {kind: kind.__init__ for kind in (PermissionDenied, Http404)}

    def recorder(kind):
        def init(self, *args, **kwargs):
            if not isinstance(self, Resolver404):  # URL resolution trying its patterns
                raised.append(f"{type(self).__name__}{args!r}")
            originals[kind](self, *args, **kwargs)

        return init

    for kind in originals:
        kind.__init__ = recorder(kind)
    try:
        yield raised
    finally:
        for kind, init in originals.items():
            kind.__init__ = init


def declared_enclave_routes():
    """Every route but the admin's and the API's (tested below, by token)."""
    return [
        (name, p)
        for name, _, p in iter_routes()
        if not name.startswith("admin:") and not rule_for(name).access.startswith("api")
    ]


def send(client, method, url):
    return client.post(url, {}) if method == "POST" else client.get(url)


@pytest.mark.parametrize(
    ("name", "pattern"), declared_enclave_routes(), ids=[n for n, _ in declared_enclave_routes()]
)
def test_declared_rule_holds(world, objects, client, name, pattern):
    rule = rule_for(name)
    url = url_for(name, pattern, objects)
    login_url = reverse("account_login")
    # LoginRequiredMiddleware lets a view through signed out only when it is marked so.
    open_to_anonymous = getattr(pattern.callback, "login_required", True) is False
    assert open_to_anonymous is (rule.access == "public"), f"{name}: marking disagrees with rule"
    for method in rule.methods:
        anonymous = send(client, method, url)
        assert anonymous.status_code < 500, f"{name}: {anonymous.status_code} signed out"
        if rule.access == "public":
            continue
        redirected_to_login = anonymous.status_code == 302 and anonymous.url.startswith(login_url)
        assert redirected_to_login, f"{name}: reachable signed out ({anonymous.status_code})"

        # Off the roster (workspace routes) or without the capability: it does not exist.
        outsider = world.member_nz if rule.access == "workspace" else world.member
        client.force_login(outsider, backend="accounts.backends.OfficialBackend")
        as_member = send(client, method, url)
        if rule.access in ("capability", "workspace"):
            assert as_member.status_code == 404, f"{name}: member got {as_member.status_code}"
        elif rule.access == "partnership":
            # The member reads the announcement: an action on it is refused, not hidden.
            assert as_member.status_code == 403, f"{name}: member got {as_member.status_code}"
        else:
            assert as_member.status_code < 500
            assert not (as_member.status_code == 302 and as_member.url.startswith(login_url))
        client.logout()

        if rule.access in ("capability", "workspace", "partnership"):
            if rule.access == "workspace":
                holder = world.secretariat
            else:
                holder = next(
                    u
                    for u in (world.cochair, world.secretariat, objects["nz_focal_point"])
                    if can(u, rule.capability)
                )
            client.force_login(holder, backend="accounts.backends.OfficialBackend")
            with refusals_recorded() as refusals:
                # Forms answer an empty post with their errors (400): the holder posts valid data.
                valid = VALID_POST.get(name) or PLATFORM_VALID_POST.get(name)
                data = valid(objects) if valid else {}
                as_holder = (
                    _send_data(client, method, url, data) if data else send(client, method, url)
                )
            expected = 302 if method == "POST" or name in REDIRECTING_GETS else 200
            assert as_holder.status_code == expected, f"{name}: holder got {as_holder.status_code}"
            assert not refusals, f"{name}: holder refused: {refusals}"
            if expected == 302:
                assert not as_holder.url.startswith((login_url, reverse("mfa_index"))), name
            client.logout()


# ------------------------------------------------------------------------------
# On the roster, without the capability: a route that checks a weaker capability than it
# declares (VIEW for CONTRIBUTE, CONTRIBUTE for MODERATE, the roster for VIEW) fails here.
# ------------------------------------------------------------------------------

# Refused where the action is offered: the refusal comes back as a message on the page the
# form sits on (a 302 after a PermissionDenied), not as a 403 page.
REFUSED_ON_THE_PAGE = {
    "chat_send",
    "session_chat_send",
    "agenda_item_remove",
    "agenda_item_move",
    "minutes_share",
    "action_create",
    "minutes_comment",
}
# Refused with a 404: what the weaker holder may not see at all.
NOT_THERE_FOR_THEM = {
    # Unmasking does not exist for anyone who may not unmask.
    "pseudonym_unmask",
    # The action sits in minutes not yet shared: participants do not see them.
    "action_remove",
    # The upload page does not exist for who may not contribute.
    "document_upload",
}
# Routes whose forms are checked before the service asks the policy: posted with valid data,
# so that what refuses is the rule, not an empty form.
# Platform routes whose form answers an empty post with its errors: what the holder posts.
PLATFORM_VALID_POST = {
    "factsheet_return": lambda o: {"reason": "Give the 2026 cap."},
}
VALID_POST = {
    "action_create": lambda o: {
        "description": "Circulate the draft",
        "owner": o["action"].owner_id,
        "due_date": "2030-01-01",
    },
    "minutes_comment": lambda o: {
        "body": "A comment on the minutes.",
        "kind": "comment",
        "item": "",
    },
    "document_add_version": lambda o: {
        "file": _pdf("a-v2.pdf"),
        "change_note": "Revised",
    },
    "document_delete": lambda o: {"reason": "Duplicate"},
}
# Routes acting on one's own item: someone else on the roster, holding the capability, is
# refused (their item is not theirs). The objects are the Secretariat's, the document the
# plain member's; the focal point wrote none of them.
NOT_THEIRS = {
    "post_edit",
    "post_delete",
    "chat_edit",
    "chat_delete",
    "session_chat_edit",
    "session_chat_delete",
    "document_delete",
}


def _pdf(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4 another version")


def lacking_holders(world, rule):
    """(who, the observer policy their dialogue has meanwhile, expected status, why)."""
    yield world.observer, "none", 404, "an observer on the roster of a dialogue closed to them"
    if rule.capability is Capability.CONTRIBUTE:
        yield world.observer, "read", 403, "an observer where observers only read"
    elif rule.capability is not Capability.VIEW:
        yield world.member, None, 403, "a participant, who does not facilitate"


def workspace_routes():
    return [(n, p) for n, p in declared_enclave_routes() if rule_for(n).access == "workspace"]


def _send_data(client, method, url, data):
    return client.post(url, data) if method == "POST" else client.get(url)


def test_the_exceptions_name_declared_workspace_routes():
    """A renamed route must not leave a stale exception behind (or lose its case silently)."""
    names = {name for name, _ in workspace_routes()}
    listed = REFUSED_ON_THE_PAGE | NOT_THERE_FOR_THEM | set(VALID_POST) | NOT_THEIRS
    assert listed <= names, listed - names
    assert not REFUSED_ON_THE_PAGE & (NOT_THERE_FOR_THEM | NOT_THEIRS)


@pytest.mark.parametrize(
    ("name", "pattern"), workspace_routes(), ids=[n for n, _ in workspace_routes()]
)
def test_on_the_roster_without_the_capability_is_refused(world, objects, client, name, pattern):
    """404 for what they may not see, 403 for an action on what they can see."""
    from workspaces.models import Workspace

    rule = rule_for(name)
    url = url_for(name, pattern, objects)
    workspaces = Workspace.objects.filter(pk__in=[objects["workspace"].pk, objects["archived"].pk])
    policies = dict(workspaces.values_list("pk", "observer_policy"))
    cases = list(lacking_holders(world, rule))
    if name in NOT_THEIRS:
        cases.append((world.focal_point, None, 403, "a participant who did not write it"))
    for user, policy, status, who in cases:
        if policy is not None:
            workspaces.update(observer_policy=policy)
        if status == 403 and name in NOT_THERE_FOR_THEM:
            status = 404
        if status == 403 and name in REFUSED_ON_THE_PAGE:
            status = 302
        client.force_login(user, backend="accounts.backends.OfficialBackend")
        for method in rule.methods:
            data = VALID_POST[name](objects) if name in VALID_POST else {}
            with refusals_recorded() as refusals:
                response = _send_data(client, method, url, data)
            seen = f"{name} ({rule.capability}) {method} by {who}"
            assert response.status_code == status, f"{seen}: {response.status_code}"
            expected = "Http404" if status == 404 else "PermissionDenied"
            assert any(r.startswith(expected) for r in refusals), f"{seen}: {refusals}"
            if status == 302:
                assert not response.url.startswith(reverse("account_login")), seen
        client.logout()
        for pk, original in policies.items():
            Workspace.objects.filter(pk=pk).update(observer_policy=original)


def test_admin_is_for_staff_only(world, client):
    url = reverse("admin:index")
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    client.force_login(world.cochair, backend="accounts.backends.OfficialBackend")
    assert client.get(url, follow=True).status_code == 403
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code in (302, 403)


# ------------------------------------------------------------------------------
# The API: a token (or the signed-in browser), never a redirect to the sign-in page
# ------------------------------------------------------------------------------


def api_routes():
    return [
        (name, p)
        for name, _, p in iter_routes()
        if rule_for(name) is not None and rule_for(name).access.startswith("api")
    ]


def api_url_for(name, pattern, objects):
    kwargs = {}
    for argument in pattern.pattern.regex.groupindex:
        if argument == "slug":
            kwargs["slug"] = objects["workspace"].slug
        elif name.startswith(("api:thread-", "api:post-")):
            kwargs["pk"] = objects["workspace"].threads.first().pk
        elif name.startswith("api:document-"):
            kwargs["pk"] = objects["document"].pk
        elif name.startswith("api:session-"):
            kwargs["pk"] = objects["live_session"].pk
    return reverse(name, kwargs=kwargs or None)


API_VALID_POST = {
    "api:post-list": lambda o: {"body": "Posted by a script."},
    "api:chat-messages": lambda o: {
        "body": "Sent by a script.",
        "client_id": "1f0e2d3c-4b5a-4697-8877-665544332211",
    },
}
API_SUCCESS = {"GET": {200}, "POST": {200, 201, 204}}


def _token_client(user, scope):
    from django.test import Client

    from tests.api.conftest import make_token

    return Client(HTTP_AUTHORIZATION=f"Bearer {make_token(user, scope=scope)[1]}")


def _send_json(client, method, url, data):
    if method == "POST":
        return client.post(url, data, content_type="application/json")
    return client.get(url)


@pytest.mark.parametrize(("name", "pattern"), api_routes(), ids=[n for n, _ in api_routes()])
def test_declared_api_rule_holds(world, objects, client, name, pattern):
    rule = rule_for(name)
    url = api_url_for(name, pattern, objects)
    # A token carries no session: the login middleware lets the route through, and the API's
    # own authentication answers.
    assert getattr(pattern.callback, "login_required", True) is False, name
    for method in rule.methods:
        data = API_VALID_POST.get(name, lambda o: {})(objects)
        anonymous = _send_json(client, method, url, data)
        assert anonymous.status_code == 401, f"{name}: {anonymous.status_code} without a token"
        assert anonymous["WWW-Authenticate"].startswith("Bearer"), name

        if rule.access == "api_workspace":
            outsider = _token_client(world.member_nz, "write")  # not on the roster
            with refusals_recorded() as refusals:
                refused = _send_json(outsider, method, url, data)
            assert refused.status_code == 404, f"{name} {method}: outsider {refused.status_code}"
            assert any(r.startswith("Http404") for r in refusals), name

        holder = world.secretariat if rule.access == "api_workspace" else world.member
        with refusals_recorded() as refusals:
            allowed = _send_json(_token_client(holder, "write"), method, url, data)
        assert allowed.status_code in API_SUCCESS[method], f"{name} {method}: {allowed.status_code}"
        assert not refusals, f"{name}: holder refused: {refusals}"
        if method == "POST":
            # A read-only token writes nothing, whatever its official may do.
            read_only = _send_json(_token_client(holder, "read"), method, url, data)
            assert read_only.status_code == 403, f"{name}: read token {read_only.status_code}"


@pytest.mark.parametrize(("name", "pattern"), api_routes(), ids=[n for n, _ in api_routes()])
def test_api_on_the_roster_without_the_capability_is_refused(world, objects, client, name, pattern):
    """The same cases as the pages': 404 for what they may not see, 403 for an action on what
    they can see."""
    from workspaces.models import Workspace

    rule = rule_for(name)
    if rule.access != "api_workspace":
        pytest.skip("about the caller alone")
    url = api_url_for(name, pattern, objects)
    workspace = Workspace.objects.filter(pk=objects["workspace"].pk)
    for method in rule.methods:
        needed = (rule.post_capability if method == "POST" else None) or rule.capability
        cases = list(lacking_holders(world, Rule("api_workspace", needed)))
        data = API_VALID_POST.get(name, lambda o: {})(objects)
        for user, policy, status, who in cases:
            original = workspace.values_list("observer_policy", flat=True).get()
            if policy is not None:
                workspace.update(observer_policy=policy)
            with refusals_recorded() as refusals:
                response = _send_json(_token_client(user, "write"), method, url, data)
            workspace.update(observer_policy=original)
            seen = f"{name} ({needed}) {method} by {who}"
            assert response.status_code == status, f"{seen}: {response.status_code}"
            expected = "Http404" if status == 404 else "PermissionDenied"
            assert any(r.startswith(expected) for r in refusals), f"{seen}: {refusals}"


def test_api_writes_refuse_a_session_without_csrf(world, objects):
    """The signed-in browser may call the API, but a write without the CSRF token (another
    site posting with the official's cookie) is refused and changes nothing."""
    from django.test import Client

    from dialogues.models import Post

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.secretariat, backend="accounts.backends.OfficialBackend")
    thread = objects["workspace"].threads.first()
    url = reverse("api:post-list", kwargs={"slug": objects["workspace"].slug, "pk": thread.pk})
    before = Post.objects.count()
    refused = browser.post(url, {"body": "Forged"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert Post.objects.count() == before
    assert browser.get(url).status_code == 200  # reading needs no token
    browser.get(reverse("api:docs"))  # the page that sets the CSRF cookie
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = browser.post(
        url, {"body": "From the docs page"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201
    assert Post.objects.count() == before + 1
