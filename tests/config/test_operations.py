"""Operations: the health check and the structured logs (which never carry content)."""

import json
import logging

from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import AuditEvent
from config.logs import JsonFormatter


def test_healthz_answers_ok_signed_out_and_reveals_nothing(db, client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_reports_a_broken_channel_layer(db, client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends = {}
    try:
        response = client.get(reverse("healthz"))
    finally:
        channel_layers.backends = {}
    assert response.status_code == 503
    assert response.content == b"unavailable\n"


def test_security_events_are_logged_as_json_without_content(world, caplog):
    caplog.set_level(logging.INFO, logger="enclave.security")
    audit_record(
        action=AuditEvent.Action.POST_HIDDEN,
        actor=world.secretariat,
        target_user=world.member,
        summary="Secret summary text",
        detail={"reason": "Confidential reason"},
        scope="workspace:offsets",
    )
    [record] = [r for r in caplog.records if r.name == "enclave.security"]
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["event"] == "post_hidden"
    assert entry["actor"] == world.secretariat.pk and entry["target"] == world.member.pk
    assert "Secret summary" not in line and "Confidential reason" not in line


def test_each_request_is_one_json_line(world, client_for, caplog):
    caplog.set_level(logging.INFO, logger="enclave.request")
    client_for(world.member).get(reverse("search"), {"q": "secret words"})
    [record] = [r for r in caplog.records if r.name == "enclave.request"]
    entry = json.loads(JsonFormatter().format(record))
    assert entry["path"] == "/search/" and entry["status"] == 200
    assert entry["user"] == world.member.pk
    assert "secret words" not in json.dumps(entry)


def test_credentials_in_paths_are_masked_in_request_lines(world, client, caplog):
    """A calendar feed link or an invitation link in the request log would open the feed or
    the account to whoever reads the log: the token is masked (known or not)."""
    from accounts.feed_tokens import feed_token_reset

    feed = feed_token_reset(actor=world.member)
    caplog.set_level(logging.INFO, logger="enclave.request")
    client.get(reverse("calendar_feed", kwargs={"token": feed}))
    client.get(reverse("invitation_accept", kwargs={"token": "invitation-secret-123"}))
    client.get("/accounts/password/reset/key/3-set-secret-key-456/")
    lines = [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "enclave.request"
    ]
    assert len(lines) == 3
    text = json.dumps(lines)
    for secret in (feed, "invitation-secret-123", "set-secret-key-456"):
        assert secret not in text
    assert lines[0]["path"] == "/calendar/[masked].ics" and lines[0]["status"] == 200
    assert lines[1]["path"] == "/invitations/[masked]/"


def test_the_redis_layer_reads_longer_than_it_blocks(monkeypatch):
    """channels-redis blocks 5 s on an idle channel (BRPOP); redis-py's default read timeout is
    also 5 s, and under load it fired first and crashed the consumer. The production settings'
    layer must wait longer for a read than it blocks."""
    import importlib

    from channels_redis.core import RedisChannelLayer
    from channels_redis.utils import create_pool

    import config.settings.base as base

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        config = importlib.reload(base).CHANNEL_LAYERS["default"]
    finally:
        monkeypatch.undo()
        importlib.reload(base)
    assert config["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    layer = RedisChannelLayer(**config["CONFIG"])
    pool = create_pool(layer.hosts[0])  # no connection is made
    assert pool.connection_kwargs["socket_timeout"] > layer.brpop_timeout


def test_daphne_access_log_is_json_websockets_only():
    """daphne's access entries go through logging as JSON (config.asgi installs this); HTTP
    requests are left to the app's own request line, which drops the query string."""
    import io

    from daphne.access import AccessLogGenerator

    from config.logs import install_daphne_access_log

    install_daphne_access_log()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("daphne.access")
    access.addHandler(handler)
    try:
        log = AccessLogGenerator(stream)
        client = {"client": "127.0.0.1:5000"}
        log(
            "http",
            "complete",
            {**client, "path": "/search/?q=secret", "method": "GET", "status": 200, "size": 10},
        )
        log("websocket", "connected", {**client, "path": "/ws/rooms/7/"})
        log("websocket", "disconnected", {**client, "path": "/ws/rooms/7/"})
    finally:
        access.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == [
        "WSCONNECT /ws/rooms/7/",
        "WSDISCONNECT /ws/rooms/7/",
    ]
    assert lines[0]["client"] == "127.0.0.1:5000"
    assert "secret" not in stream.getvalue()
