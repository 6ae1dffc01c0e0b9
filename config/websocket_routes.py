"""Every websocket route, gathered from the apps (each one declared in config.route_rules)."""

from dialogues.routing import websocket_urlpatterns as dialogue_routes

websocket_urlpatterns: list = [*dialogue_routes]
