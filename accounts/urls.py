from django.urls import path

from . import audit_views, bulk_views, review_views, session_views, token_views, views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/session/", session_views.session_status, name="session_status"),
    path("profile/tokens/", token_views.api_tokens, name="api_tokens"),
    path(
        "profile/tokens/<int:pk>/revoke/",
        token_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("membership/", views.membership, name="membership"),
    path("membership/admit/", views.jurisdiction_admit, name="jurisdiction_admit"),
    path("membership/j/<slug:code>/", views.jurisdiction_detail, name="jurisdiction_detail"),
    path("membership/j/<slug:code>/status/", views.jurisdiction_status, name="jurisdiction_status"),
    path("membership/invite/", views.invitation_create, name="invitation_create"),
    path("membership/invite/csv/", bulk_views.bulk_invitations, name="bulk_invitations"),
    path(
        "membership/invite/csv/confirm/",
        bulk_views.bulk_invitations_confirm,
        name="bulk_invitations_confirm",
    ),
    path(
        "membership/invite/csv/sent/",
        bulk_views.bulk_invitations_result,
        name="bulk_invitations_result",
    ),
    path(
        "membership/invite/csv/template.csv",
        bulk_views.bulk_invitations_template,
        name="bulk_invitations_template",
    ),
    path(
        "membership/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "membership/officials/<int:pk>/deactivate/",
        views.official_deactivate,
        name="official_deactivate",
    ),
    path(
        "membership/officials/<int:pk>/reactivate/",
        views.official_reactivate,
        name="official_reactivate",
    ),
    path("membership/officials/<int:pk>/role/", views.official_role, name="official_role"),
    path("membership/reviews/", review_views.access_reviews, name="access_reviews"),
    path(
        "membership/reviews/confirm/",
        review_views.access_review_confirm,
        name="access_review_confirm",
    ),
    path("membership/reviews/end/", review_views.access_review_end, name="access_review_end"),
    path(
        "membership/reviews/restore/",
        review_views.access_review_restore,
        name="access_review_restore",
    ),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", audit_views.audit_log_csv, name="audit_log_csv"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
