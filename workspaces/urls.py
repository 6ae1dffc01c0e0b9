"""Workspace pages: lifecycle, roster and directory, then documents. Included before the
dialogue pages, so that "w/new/" is matched before a workspace's "w/<slug>/"."""

from django.urls import path

from . import lifecycle_views, undertaking_views, views

urlpatterns = [
    path("w/", lifecycle_views.workspace_directory, name="workspace_directory"),
    path("w/new/", lifecycle_views.workspace_create, name="workspace_create"),
    path("w/<slug:slug>/settings/", lifecycle_views.workspace_settings, name="workspace_settings"),
    path("w/<slug:slug>/archive/", lifecycle_views.workspace_archive, name="workspace_archive"),
    path("w/<slug:slug>/reopen/", lifecycle_views.workspace_reopen, name="workspace_reopen"),
    path("w/<slug:slug>/join/", lifecycle_views.workspace_join, name="workspace_join"),
    path("w/<slug:slug>/roster/", lifecycle_views.workspace_roster, name="workspace_roster"),
    path(
        "w/<slug:slug>/roster/add/",
        lifecycle_views.workspace_roster_add,
        name="workspace_roster_add",
    ),
    path(
        "w/<slug:slug>/roster/remove/",
        lifecycle_views.workspace_roster_remove,
        name="workspace_roster_remove",
    ),
    path(
        "w/<slug:slug>/undertaking/",
        undertaking_views.undertaking,
        name="workspace_undertaking",
    ),
    path(
        "w/<slug:slug>/undertaking/accept/",
        undertaking_views.undertaking_accept,
        name="workspace_undertaking_accept",
    ),
    path(
        "w/<slug:slug>/undertaking/edit/",
        undertaking_views.undertaking_edit,
        name="workspace_undertaking_edit",
    ),
    path("w/<slug:slug>/documents/", views.document_list, name="document_list"),
    path("w/<slug:slug>/documents/upload/", views.document_upload, name="document_upload"),
    path("w/<slug:slug>/documents/<int:pk>/", views.document_detail, name="document_detail"),
    path(
        "w/<slug:slug>/documents/<int:pk>/versions/",
        views.document_add_version,
        name="document_add_version",
    ),
    path("w/<slug:slug>/documents/<int:pk>/delete/", views.document_delete, name="document_delete"),
    path(
        "w/<slug:slug>/documents/<int:pk>/watermark/",
        views.document_watermark,
        name="document_watermark",
    ),
    path(
        "w/<slug:slug>/documents/<int:pk>/acknowledge/",
        views.document_acknowledge,
        name="document_acknowledge",
    ),
    path(
        "w/<slug:slug>/documents/<int:pk>/download/",
        views.document_download,
        name="document_download",
    ),
    path(
        "w/<slug:slug>/documents/<int:pk>/versions/<int:version>/download/",
        views.document_download,
        name="version_download",
    ),
    path(
        "w/<slug:slug>/documents/<int:pk>/previews/<int:preview>/",
        views.document_preview,
        name="document_preview",
    ),
    path("audit/trace/", views.download_trace, name="download_trace"),
]
