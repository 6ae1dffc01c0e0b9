"""What Enclave asks of allauth beyond the stock behaviour, pinned so an allauth upgrade that
changes it fails here: the client address (through the account adapter's public
`get_client_ip`), the refused sign-in of a former jurisdiction's official (the one internal
import left in accounts/adapter.py) and the throttled session tracking (a subclass of allauth's
public `UserSessionsMiddleware`)."""

from allauth.account.authentication import get_authentication_records
from allauth.usersessions.middleware import UserSessionsMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.audit import client_ip
from accounts.middleware import ThrottledUserSessionsMiddleware
from tests.factories import PASSWORD


def records_in(client: Client, user) -> list:
    request = RequestFactory().get("/")
    request.session = client.session
    return get_authentication_records(request, user)


def test_a_refused_former_official_leaves_no_authentication_record(world):
    refused = Client()
    response = refused.post(
        reverse("account_login"), {"login": world.former_official.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response.url == reverse("account_inactive")
    assert "_auth_user_id" not in refused.session
    assert records_in(refused, world.former_official) == []
    # The same check sees the record a successful sign-in leaves.
    member = Client()
    member.post(reverse("account_login"), {"login": world.member.email, "password": PASSWORD})
    assert "_auth_user_id" in member.session
    assert [record["method"] for record in records_in(member, world.member)] == ["password"]


def test_client_ip_reads_the_remote_address():
    factory = RequestFactory()
    assert client_ip(None) is None
    assert client_ip(factory.get("/", REMOTE_ADDR="203.0.113.5")) == "203.0.113.5"
    assert client_ip(factory.get("/", REMOTE_ADDR="2001:db8::1")) == "2001:db8::1"
    # An address allauth cannot read is recorded as none, never a refused request.
    assert client_ip(factory.get("/", REMOTE_ADDR="not-an-address")) is None
    request = factory.get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) is None


def test_client_ip_trusts_forwarded_for_only_behind_a_configured_proxy(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert client_ip(request) == "10.0.0.1"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.7"


def test_session_tracking_is_allauths_middleware_throttled():
    # The throttle itself: tests/accounts/test_account_pages.py (at most one write a minute).
    assert issubclass(ThrottledUserSessionsMiddleware, UserSessionsMiddleware)
    middleware = ThrottledUserSessionsMiddleware(lambda request: HttpResponse("answered"))
    assert middleware(RequestFactory().get("/")).content == b"answered"
