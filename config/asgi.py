"""ASGI root: HTTP through Django, websockets through Channels (routes arrive with the chat)."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from django.core.asgi import get_asgi_application  # noqa: E402

from config.logs import install_daphne_access_log  # noqa: E402
from config.request_body_streaming import install as install_request_body_streaming  # noqa: E402
from config.response_backpressure import install as install_response_backpressure  # noqa: E402

install_response_backpressure()
install_request_body_streaming()
install_daphne_access_log()

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402

from config.request_limits import RequestBodyLimit  # noqa: E402
from config.websocket_routes import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimit(django_asgi_app),
        # No AuthMiddleware: the chat consumer signs the user in from the session within its
        # first trip to the database, rather than in a trip of its own (dialogues/chat/consumer).
        "websocket": AllowedHostsOriginValidator(
            CookieMiddleware(SessionMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)

# The cyclic garbage collector's full passes paused a busy chat process for 80-100 ms each, the
# whole tail of chat latency (bench/chat_fanout.py at 200 sockets: p99 9x the raw server's).
# Everything loaded so far (Django, the apps, URL and template machinery) lives as long as the
# process, so it is frozen out of every pass; and young collections run every 20,000
# allocations rather than 700, so full passes come far less often (pauses ~30 ms, rarely).
gc.freeze()
gc.set_threshold(20_000, 20, 20)
