from django.urls import path

from dialogues.chat.consumer import ChatConsumer

websocket_urlpatterns = [
    path("ws/rooms/<int:room_id>/", ChatConsumer.as_asgi()),
]
