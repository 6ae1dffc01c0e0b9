"""Security headers on every kind of page, and production settings that pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import include, path, reverse

from tests.factories import DocumentFactory

ROOT = Path(__file__).resolve().parents[2]


def assert_strict_headers(response):
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["account_login", "account_reset_password", "account_signup"])
def test_public_pages_send_strict_headers(db, client, name):
    assert_strict_headers(client.get(reverse(name)))


def test_signed_in_and_error_pages_send_strict_headers(world, client_for):
    client = client_for(world.cochair)
    assert_strict_headers(client.get(reverse("membership")))
    missing = client.get("/membership/j/nowhere/")
    assert missing.status_code == 404
    assert_strict_headers(missing)
    assert "Traceback" not in missing.content.decode()


def test_admin_sends_strict_headers(db, client):
    assert_strict_headers(client.get(reverse("admin:index"), follow=True))


# ------------------------------------------------------------------------------
# Every kind of page: the strict CSP, and `private, no-store` for anyone signed in
# ------------------------------------------------------------------------------
def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("boom/", boom, name="boom"),
    path("", include("config.urls")),
]


def assert_private(response):
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives, response["Cache-Control"]


def _page_kinds(world, dialogue, client):
    """(kind, response) for every kind of page a signed-in official can be sent."""
    document = DocumentFactory(workspace=dialogue.offsets, uploaded_by=world.member)
    thread = {"slug": "offsets", "pk": dialogue.public_thread.pk}
    return [
        ("html page", client.get(reverse("workspace_detail", kwargs={"slug": "offsets"}))),
        ("allauth page", client.get(reverse("account_email"))),
        ("redirect", client.get(reverse("thread_unread", kwargs=thread))),
        ("404", client.get("/no/such/page/")),
        ("404 (hidden object)", client.get(reverse("workspace_detail", args=["closed"]))),
        ("403", client.post(reverse("thread_pin", kwargs=thread), {"pinned": "1"})),
        ("400", client.get(reverse("home"), {"q": "a\x00b"})),
        ("500", client.get("/boom/")),
        ("export", client.get(reverse("thread_export", kwargs={**thread, "fmt": "html"}))),
        (
            "download",
            client.get(reverse("document_download", kwargs={"slug": "offsets", "pk": document.pk})),
        ),
    ]


EXPECTED_STATUS = {"404": 404, "404 (hidden object)": 404, "403": 403, "400": 400, "500": 500}


def test_every_page_kind_carries_the_csp_and_no_store(world, dialogue, settings):
    from django.test import Client

    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    client.force_login(world.member, backend="accounts.backends.OfficialBackend")
    for kind, response in _page_kinds(world, dialogue, client):
        assert response.status_code == EXPECTED_STATUS.get(kind, 302 if kind == "redirect" else 200)
        if kind == "download":  # the file's own policy: nothing in it may run
            assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        else:
            assert_strict_headers(response)
        if kind in EXPECTED_STATUS:
            html = response.content.decode()
            assert "Traceback" not in html and "URLconf" not in html, kind
            assert "Enclave" in html, kind  # the product's own page
        assert_private(response)


def test_csrf_failure_page_is_the_product_page_with_the_csp(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "x@example.test", "password": "y"})
    assert response.status_code == 403
    assert_strict_headers(response)
    assert "Please try again" in response.content.decode()


def test_admin_login_carries_the_csp(db, client):
    # The admin signs in through allauth (config/urls.py): both answers carry the policy.
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert_strict_headers(response)
    assert_strict_headers(client.get(response.url))


def test_static_files_stay_cacheable_when_signed_in(world, client_for, settings):
    settings.WHITENOISE_USE_FINDERS = True  # as under `make run`; the test settings serve none
    client = client_for(world.member)
    static = client.get("/static/css/enclave.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


def test_a_refusal_logs_one_line(world, dialogue, client_for, settings, monkeypatch):
    """A 403 is one JSON line, not a traceback, even with DEBUG on (`make dev`)."""
    import io
    import logging

    settings.DEBUG = True
    written = io.StringIO()
    chain = [logging.getLogger(name) for name in ("django.request", "django", "")]
    for logger in chain:
        for handler in logger.handlers:
            if (
                isinstance(handler, logging.StreamHandler)
                and "_pytest" not in type(handler).__module__
            ):
                monkeypatch.setattr(handler, "stream", written)
    thread = {"slug": "offsets", "pk": dialogue.public_thread.pk}
    response = client_for(world.member).post(reverse("thread_pin", kwargs=thread))
    assert response.status_code == 403
    lines = [line for line in written.getvalue().splitlines() if line.strip()]
    refusal = [line for line in lines if "Forbidden" in line]
    assert len(refusal) == 1, lines
    assert not any("Traceback" in line or line.startswith("  File ") for line in lines), lines


def test_make_run_serves_with_debug_off():
    """`make run` uses the local settings as they are; DEBUG needs ENCLAVE_DEBUG=1 (`make dev`)."""
    code = "from django.conf import settings; print(settings.DEBUG)"
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.local"}
    result = run_manage("shell", "-c", code, env_extra=env)
    assert result.stdout.split()[-1] == "False", result.stderr
    result = run_manage("shell", "-c", code, env_extra={**env, "ENCLAVE_DEBUG": "1"})
    assert result.stdout.split()[-1] == "True", result.stderr
    makefile = (ROOT / "Makefile").read_text()
    assert "run: export ENCLAVE_DEBUG = 0" in makefile


def test_session_cookie_is_httponly_and_samesite(world, client):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("account_login"), {"login": world.member.email, "password": PASSWORD}
    )
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_pages_carry_no_inline_script_or_style(world, client_for):
    client = client_for(world.cochair)
    for url in (reverse("home"), reverse("membership"), reverse("audit_log")):
        html = client.get(url).content.decode()
        assert " style=" not in html and "<style" not in html, url
        for chunk in html.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag or 'type="application/json"' in tag, url


def run_manage(*args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="x" * 20 + "production-secret-key-for-the-deploy-check-0123456789",
        ALLOWED_HOSTS="enclave.example.org",
        CSRF_TRUSTED_ORIGINS="https://enclave.example.org",
        DATABASE_URL="sqlite:////tmp/enclave-deploy-check.sqlite3",
    )
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_needs_a_secret_key():
    result = run_manage("check", env_extra={"DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_has_no_demo_but_has_backups():
    # The demo app is installed in local and test settings only; operations everywhere.
    result = run_manage("seed_demo")
    assert result.returncode != 0
    assert "Unknown command: 'seed_demo'" in result.stderr
    for command in ("backup", "restore"):
        result = run_manage(command, "--help")
        assert result.returncode == 0, result.stdout + result.stderr
