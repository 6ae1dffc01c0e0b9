"""/healthz answers a plain-text status whatever the Host header; other paths still refuse an
unknown host."""

import pytest

BAD_HOSTS = ["10.0.0.7:8001", "lb-probe.internal", "evil.example.com"]


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_healthz_answers_plain_text_whatever_the_host(db, client, host):
    response = client.get("/healthz", HTTP_HOST=host)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"ok\n"


def test_healthz_with_production_hosts_and_https_redirect(db, client, settings):
    settings.ALLOWED_HOSTS = ["enclave.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    for host in ["127.0.0.1:8001", "enclave.example.org"]:
        response = client.get("/healthz", HTTP_HOST=host)
        assert (response.status_code, response.content) == (200, b"ok\n"), host
    assert client.head("/healthz", HTTP_HOST="127.0.0.1:8001").status_code == 200
    assert client.post("/healthz", HTTP_HOST="127.0.0.1:8001").status_code == 405


def test_other_paths_still_refuse_an_unknown_host(db, client):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    response = client.get("/healthz/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
