from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path("w/", views.workspace_directory, name="workspace_directory"),
    path("w/new/", views.workspace_create, name="workspace_create"),
    path("w/<slug:slug>/", views.workspace_detail, name="workspace_detail"),
    path("w/<slug:slug>/settings/", views.workspace_settings, name="workspace_settings"),
    path("w/<slug:slug>/archive/", views.workspace_archive, name="workspace_archive"),
    path("w/<slug:slug>/reopen/", views.workspace_reopen, name="workspace_reopen"),
    path("w/<slug:slug>/join/", views.workspace_join, name="workspace_join"),
    path("w/<slug:slug>/roster/", views.workspace_roster, name="workspace_roster"),
    path("w/<slug:slug>/roster/add/", views.workspace_roster_add, name="workspace_roster_add"),
    path(
        "w/<slug:slug>/roster/remove/",
        views.workspace_roster_remove,
        name="workspace_roster_remove",
    ),
    path("w/<slug:slug>/mentions/", views.mention_search, name="mention_search"),
    path("w/<slug:slug>/threads/new/", views.thread_create, name="thread_create"),
    path("w/<slug:slug>/t/<int:pk>/", views.thread_detail, name="thread_detail"),
    path("w/<slug:slug>/t/<int:pk>/unread/", views.thread_first_unread, name="thread_unread"),
    path("w/<slug:slug>/t/<int:pk>/reply/", views.thread_reply, name="thread_reply"),
    path("w/<slug:slug>/t/<int:pk>/pin/", views.thread_pin, name="thread_pin"),
    path("w/<slug:slug>/t/<int:pk>/lock/", views.thread_lock, name="thread_lock"),
    path("w/<slug:slug>/t/<int:pk>/move/", views.thread_move, name="thread_move"),
    path(
        "w/<slug:slug>/documents/<int:pk>/discuss/",
        views.document_discuss,
        name="document_discuss",
    ),
    path("p/<int:pk>/", views.post_permalink, name="post_permalink"),
    path("p/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("p/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("p/<int:pk>/hide/", views.post_hide, name="post_hide"),
    path("p/<int:pk>/react/", views.post_react, name="post_react"),
    path("p/<int:pk>/history/", views.post_history, name="post_history"),
]
