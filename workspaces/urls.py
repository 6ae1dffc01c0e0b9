from django.urls import path

from . import views

urlpatterns = [
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
]
