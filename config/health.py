"""/healthz for load balancers: the database and the channel layer answer, or 503. Nothing else
is revealed (no versions, no names, no timings).

Load balancers probe each daphne by its address, with whatever Host header they like: the
middleware answers /healthz in plain text before host validation (CommonMiddleware,
request.get_host) could turn the probe into a 400 page. The URL route stays for reverse().
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("enclave.health")
LAYER_TIMEOUT = 2.0


def _database_ok() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


async def _layer_round_trip() -> bool:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "health.check"})
    message = await asyncio.wait_for(layer.receive(channel), timeout=LAYER_TIMEOUT)
    return message.get("type") == "health.check"


@login_not_required
@never_cache
@require_safe
def healthz(request):
    try:
        healthy = _database_ok() and async_to_sync(_layer_round_trip)()
    except Exception:  # any failure is "unavailable"; the details go to the log only
        logger.exception("health check failed")
        healthy = False
    if healthy:
        return HttpResponse("ok\n", content_type="text/plain")
    return HttpResponse("unavailable\n", status=503, content_type="text/plain")


class HealthCheckMiddleware:
    """Serves /healthz whatever the Host header (placed before SecurityMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
