"""Every websocket route, gathered from the apps (each one declared in config.route_rules)."""

websocket_urlpatterns: list = []
