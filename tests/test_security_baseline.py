"""Security headers on every kind of page, and production settings that pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


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


def test_seed_demo_refuses_production():
    result = run_manage("seed_demo")
    assert result.returncode != 0
    assert "refuses to run under production" in result.stderr
