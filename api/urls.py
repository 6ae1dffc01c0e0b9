"""/api/v1/: the API's routes (each declared in config/route_rules.py), its OpenAPI schema and
the documentation page."""

from django.urls import path

from . import docs, views

app_name = "api"

urlpatterns = [
    path("v1/schema/", docs.schema, name="schema"),
    path("docs/", docs.documentation, name="docs"),
    path("v1/me/", views.Me.as_view(), name="me"),
    path("v1/dialogues/", views.DialogueList.as_view(), name="dialogue-list"),
    path("v1/dialogues/<slug:slug>/", views.DialogueDetail.as_view(), name="dialogue-detail"),
    path("v1/dialogues/<slug:slug>/threads/", views.ThreadList.as_view(), name="thread-list"),
    path(
        "v1/dialogues/<slug:slug>/threads/<int:pk>/",
        views.ThreadDetail.as_view(),
        name="thread-detail",
    ),
    path(
        "v1/dialogues/<slug:slug>/threads/<int:pk>/posts/",
        views.PostList.as_view(),
        name="post-list",
    ),
    path("v1/dialogues/<slug:slug>/documents/", views.DocumentList.as_view(), name="document-list"),
    path(
        "v1/dialogues/<slug:slug>/documents/<int:pk>/",
        views.DocumentDetail.as_view(),
        name="document-detail",
    ),
    path(
        "v1/dialogues/<slug:slug>/documents/<int:pk>/download/",
        views.DocumentDownload.as_view(),
        name="document-download",
    ),
    path(
        "v1/dialogues/<slug:slug>/documents/<int:pk>/acknowledge/",
        views.DocumentAcknowledge.as_view(),
        name="document-acknowledge",
    ),
    path("v1/dialogues/<slug:slug>/sessions/", views.SessionList.as_view(), name="session-list"),
    path(
        "v1/dialogues/<slug:slug>/sessions/<int:pk>/",
        views.SessionDetail.as_view(),
        name="session-detail",
    ),
    path(
        "v1/dialogues/<slug:slug>/chat/messages/",
        views.ChatMessages.as_view(),
        name="chat-messages",
    ),
    path("v1/notifications/", views.NotificationList.as_view(), name="notification-list"),
    path("v1/notifications/read/", views.NotificationsRead.as_view(), name="notifications-read"),
]
