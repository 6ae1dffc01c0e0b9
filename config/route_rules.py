"""Every route's access rule, declared in one place.

The route-guard test walks every URL pattern and websocket route, fails on any that is not
declared here, and checks each declared rule against the running app. LoginRequiredMiddleware
denies by default; a view reachable signed out must be marked `login_not_required` *and* be
declared PUBLIC here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from workspaces.access import Capability


@dataclass(frozen=True)
class Rule:
    """`access`: public | signed_in | capability | workspace | partnership | staff | api |
    api_workspace. `methods`: what the test sends."""

    access: str
    capability: Capability | None = None
    methods: tuple[str, ...] = ("GET",)
    # API routes that also write: the capability a POST needs (`capability` is the GET's).
    post_capability: Capability | None = None
    # Object routes: a signed-in user without the capability must get 404 (missing and
    # forbidden look the same); platform pages for some roles only also answer 404.
    note: str = ""


PUBLIC = Rule("public")
PUBLIC_POST = Rule("public", methods=("POST",))
SIGNED_IN = Rule("signed_in")
SIGNED_IN_POST = Rule("signed_in", methods=("POST",))
STAFF = Rule("staff")


def needs(capability: Capability, *, post: bool = False) -> Rule:
    return Rule("capability", capability, ("POST",) if post else ("GET",))


def in_workspace(capability: Capability, *, post: bool = False) -> Rule:
    """Object routes inside a workspace: 404 off the roster, allowed for who holds it there."""
    return Rule("workspace", capability, ("POST",) if post else ("GET",))


def on_partnership_item(capability: Capability, *, methods: tuple[str, ...] = ("GET",)) -> Rule:
    """Object routes on an item addressed to the partnership (an announcement): 404 to whoever
    may not read it, 403 to a reader without the capability, allowed for who holds it."""
    return Rule("partnership", capability, methods)


def api(*, methods: tuple[str, ...] = ("GET",)) -> Rule:
    """API routes about the caller alone: a token or the signed-in browser (401 without
    either, never a redirect to the sign-in page)."""
    return Rule("api", methods=methods)


def api_in_workspace(capability: Capability, *, post: Capability | None = None) -> Rule:
    """API routes inside a dialogue: 401 without a credential, 404 off the roster (the same as
    missing), allowed for who holds `capability` there; a POST for who holds `post`."""
    methods = ("GET", "POST") if post else ("GET",)
    return Rule("api_workspace", capability, methods, post_capability=post)


ROUTE_RULES: dict[str, Rule] = {
    # allauth: sign-in, recovery and the closed signup page are reachable signed out.
    "account_login": PUBLIC,
    "account_logout": PUBLIC,  # signed out, it only redirects
    "account_inactive": PUBLIC,
    "account_signup": PUBLIC,
    "account_reauthenticate": SIGNED_IN,
    # An open page's question to its own session (time left; "stay signed in").
    "session_status": Rule("signed_in", methods=("GET", "POST")),
    "account_request_reauthentication_code": SIGNED_IN,
    "account_confirm_reauthentication_code": SIGNED_IN,
    "account_email": SIGNED_IN,
    "account_email_verification_sent": PUBLIC,
    "account_change_password": SIGNED_IN,
    "account_set_password": SIGNED_IN,
    "account_reset_password": PUBLIC,
    "account_confirm_login_code": PUBLIC,
    "account_confirm_email": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "mfa_index": SIGNED_IN,
    "mfa_authenticate": PUBLIC,
    "mfa_reauthenticate": SIGNED_IN,
    "mfa_activate_totp": SIGNED_IN,
    "mfa_deactivate_totp": SIGNED_IN,
    "mfa_view_recovery_codes": SIGNED_IN,
    "mfa_generate_recovery_codes": SIGNED_IN,
    "mfa_download_recovery_codes": SIGNED_IN,
    "mfa_list_webauthn": SIGNED_IN,
    "mfa_add_webauthn": SIGNED_IN,
    "mfa_reauthenticate_webauthn": SIGNED_IN,
    "mfa_remove_webauthn": SIGNED_IN,
    "mfa_edit_webauthn": SIGNED_IN,
    "usersessions_list": SIGNED_IN,
    # Enclave
    "home": SIGNED_IN,
    "profile": SIGNED_IN,
    "membership": needs(Capability.VIEW_MEMBERSHIP),
    "jurisdiction_admit": needs(Capability.MANAGE_JURISDICTIONS),
    "jurisdiction_detail": needs(Capability.VIEW_MEMBERSHIP),
    "jurisdiction_status": Rule("capability", Capability.MANAGE_JURISDICTIONS, ("GET", "POST")),
    "invitation_create": needs(Capability.INVITE_OFFICIALS),
    # Bulk invitations (CSV): the upload posts back to its own page with the preview; confirm
    # refuses a missing, tampered or expired preview with a message on the upload page.
    "bulk_invitations": needs(Capability.INVITE_OFFICIALS),
    "bulk_invitations_confirm": needs(Capability.INVITE_OFFICIALS, post=True),
    "bulk_invitations_result": needs(Capability.INVITE_OFFICIALS),
    "bulk_invitations_template": needs(Capability.INVITE_OFFICIALS),
    "invitation_revoke": needs(Capability.INVITE_OFFICIALS, post=True),
    "official_deactivate": needs(Capability.DEACTIVATE_OFFICIALS, post=True),
    # Erasure of a departed official (privacy/erasure): the Secretariat's; 404 to everyone else.
    "official_erase": needs(Capability.ERASE_OFFICIALS),
    "official_reactivate": needs(Capability.DEACTIVATE_OFFICIALS, post=True),
    "official_role": needs(Capability.DESIGNATE_FOCAL_POINTS, post=True),
    # Access reviews: who may deactivate officials (accounts.policy.REVIEWING), each over the
    # officials they sponsor; an official the reader may not review is 404.
    "access_reviews": needs(Capability.DEACTIVATE_OFFICIALS),
    "access_review_confirm": needs(Capability.DEACTIVATE_OFFICIALS, post=True),
    "access_review_end": needs(Capability.DEACTIVATE_OFFICIALS, post=True),
    "access_review_restore": needs(Capability.DEACTIVATE_OFFICIALS, post=True),
    "audit_log": needs(Capability.READ_AUDIT),
    "audit_log_csv": needs(Capability.READ_AUDIT),  # the same events, filters and readers
    # A leaked copy back to its download: the audit log's readers; anonymous ones, with a reason
    "download_trace": needs(Capability.READ_AUDIT),
    "invitation_accept": PUBLIC,
    "set_language": PUBLIC_POST,  # the language cookie; `next` kept on this host (Django's view)
    "healthz": PUBLIC,  # "ok" or "unavailable", nothing else
    # Dialogues. Workspace routes: 404 to anyone not on the roster (in_workspace).
    "search": SIGNED_IN,
    "live_counts": SIGNED_IN,  # the bell and the reader's own unread counts, for the poll
    "notifications": SIGNED_IN,
    "notifications_read": SIGNED_IN_POST,
    "notification_open": SIGNED_IN,
    "notification_preferences": SIGNED_IN,
    # Announcements: every official with standing reads those addressed to them (one they may
    # not read is 404, tests/dialogues/test_announcements.py); the Secretariat and the Co-Chairs
    # post them, and edit and withdraw them (403 to a reader who does not post them).
    "announcement_list": SIGNED_IN,
    "announcement_detail": SIGNED_IN,
    "announcement_read": SIGNED_IN_POST,
    "announcements_read": SIGNED_IN_POST,
    "announcement_create": needs(Capability.POST_ANNOUNCEMENTS),
    "announcement_edit": on_partnership_item(Capability.POST_ANNOUNCEMENTS),
    "announcement_withdraw": on_partnership_item(
        Capability.POST_ANNOUNCEMENTS, methods=("GET", "POST")
    ),
    "workspace_directory": needs(Capability.JOIN_ROSTERS),
    "workspace_create": needs(Capability.CREATE_WORKSPACES),
    "workspace_join": needs(Capability.JOIN_ROSTERS, post=True),
    "workspace_detail": in_workspace(Capability.VIEW),
    "workspace_settings": in_workspace(Capability.MANAGE_ROSTER),
    "workspace_archive": in_workspace(Capability.MODERATE, post=True),
    "workspace_reopen": in_workspace(Capability.REOPEN, post=True),
    "workspace_roster": in_workspace(Capability.VIEW),
    # The undertaking is the workspace's, not its content: shown before it is accepted.
    "workspace_undertaking": in_workspace(Capability.VIEW),
    "workspace_undertaking_accept": in_workspace(Capability.VIEW, post=True),
    "workspace_undertaking_edit": in_workspace(Capability.MANAGE_ROSTER),
    "workspace_roster_add": in_workspace(Capability.MANAGE_ROSTER, post=True),
    "workspace_roster_remove": in_workspace(Capability.MANAGE_ROSTER, post=True),
    "mention_search": in_workspace(Capability.VIEW),
    "thread_create": in_workspace(Capability.CONTRIBUTE),
    "thread_detail": in_workspace(Capability.VIEW),
    "thread_unread": in_workspace(Capability.VIEW),
    "thread_reply": in_workspace(Capability.CONTRIBUTE),
    # Moderation: GET is the action's form as a page of its own (without JavaScript).
    "thread_pin": Rule("workspace", Capability.MODERATE, ("GET", "POST")),
    "thread_lock": Rule("workspace", Capability.MODERATE, ("GET", "POST")),
    "thread_move": in_workspace(Capability.MODERATE),
    "post_permalink": in_workspace(Capability.VIEW),
    "post_edit": in_workspace(Capability.CONTRIBUTE),
    "post_delete": in_workspace(Capability.VIEW, post=True),
    "post_hide": Rule("workspace", Capability.MODERATE, ("GET", "POST")),
    "post_react": in_workspace(Capability.CONTRIBUTE, post=True),
    "post_history": in_workspace(Capability.MODERATE),
    "document_discuss": in_workspace(Capability.CONTRIBUTE, post=True),
    # Live chat (plain HTTP side)
    "chat_room": in_workspace(Capability.VIEW),
    "chat_send": in_workspace(Capability.CONTRIBUTE, post=True),
    "chat_mute": in_workspace(Capability.MODERATE, post=True),
    "chat_lock": in_workspace(Capability.MODERATE, post=True),
    "chat_edit": in_workspace(Capability.CONTRIBUTE, post=True),
    "chat_delete": in_workspace(Capability.VIEW, post=True),
    "chat_hide": in_workspace(Capability.MODERATE, post=True),
    # Documents
    "document_list": in_workspace(Capability.VIEW),
    "document_upload": in_workspace(Capability.CONTRIBUTE),
    "document_detail": in_workspace(Capability.VIEW),
    "document_add_version": in_workspace(Capability.CONTRIBUTE, post=True),
    "document_delete": in_workspace(Capability.VIEW, post=True),
    "document_watermark": in_workspace(Capability.MODERATE, post=True),
    "document_acknowledge": in_workspace(Capability.VIEW),
    "document_download": in_workspace(Capability.VIEW),
    "version_download": in_workspace(Capability.VIEW),
    # Preview images: the download's rule (a preview is its version's, read through visible)
    "document_preview": in_workspace(Capability.VIEW),
    # Dialogue sessions (drafts exist only for those who run sessions)
    "session_list": in_workspace(Capability.VIEW),
    "session_create": in_workspace(Capability.RUN_SESSIONS),
    "session_detail": in_workspace(Capability.VIEW),
    "session_edit": in_workspace(Capability.RUN_SESSIONS),
    # Every step is checked by the service (run sessions, or approve minutes) with a message.
    "session_transition": in_workspace(Capability.VIEW, post=True),
    "session_calendar": in_workspace(Capability.VIEW),
    # An official's calendar feed: no session (calendar apps have none); the long random token
    # in the path names the official, whose standing and `visible()` are asked at each fetch.
    # Unknown, replaced and standing-less tokens are the same 404; rate-limited per token.
    "calendar_feed": PUBLIC,
    # Participation figures: Co-Chairs and the Secretariat (everything), focal points (their
    # jurisdiction); a dialogue's facilitators reach them too (the view asks insights_scope and
    # answers 404 to whoever it gives nothing).
    "insights": needs(Capability.VIEW_INSIGHTS),
    "insights_chart": needs(Capability.VIEW_INSIGHTS),
    # Factsheets (partnership/): approved ones for every official with standing (READ_FACTSHEETS,
    # which every role holds; observers read the fields the partnership shows them); a version
    # that is not approved for the jurisdiction and the Secretariat (404 to others); approval
    # for its focal point alone; settings and publication for the Secretariat. The public
    # files serve the last publication only.
    "factsheet_list": SIGNED_IN,
    "factsheet_map": SIGNED_IN,
    "factsheet_compare": SIGNED_IN,
    "factsheet_detail": SIGNED_IN,
    "factsheet_history": SIGNED_IN,
    "factsheet_field": SIGNED_IN,
    "factsheet_version": SIGNED_IN,
    "factsheet_draft": needs(Capability.DRAFT_FACTSHEETS),
    "factsheet_submit": needs(Capability.DRAFT_FACTSHEETS, post=True),
    "factsheet_discard": needs(Capability.DRAFT_FACTSHEETS, post=True),
    "factsheet_approve": needs(Capability.APPROVE_FACTSHEETS, post=True),
    "factsheet_return": needs(Capability.APPROVE_FACTSHEETS, post=True),
    "factsheet_settings": needs(Capability.MANAGE_FACTSHEETS),
    "factsheet_publications": needs(Capability.MANAGE_FACTSHEETS),
    "factsheets_published_json": PUBLIC,
    "factsheets_published_csv": PUBLIC,
    # The partnership library: its list for every member (404 without standing); its documents
    # are the document routes above, in the library workspace, under the same policy.
    "library": SIGNED_IN,
    "library_share": needs(Capability.MANAGE_LIBRARY),
    "library_entry_edit": needs(Capability.MANAGE_LIBRARY),
    "calendar_feed_reset": SIGNED_IN_POST,  # the signed-in official's own link, audited
    "api_tokens": Rule("signed_in", methods=("GET", "POST")),  # the official's own tokens
    "api_token_revoke": SIGNED_IN_POST,  # their own token only (another's is 404)
    "agenda_item_create": in_workspace(Capability.RUN_SESSIONS),
    "agenda_item_edit": in_workspace(Capability.RUN_SESSIONS),
    "agenda_item_remove": in_workspace(Capability.RUN_SESSIONS, post=True),
    "agenda_item_move": in_workspace(Capability.RUN_SESSIONS, post=True),
    "session_register": in_workspace(Capability.VIEW, post=True),
    "session_attendance": in_workspace(Capability.VIEW),
    "minutes_edit": in_workspace(Capability.RUN_SESSIONS),
    "action_create": in_workspace(Capability.RUN_SESSIONS, post=True),
    "action_remove": in_workspace(Capability.RUN_SESSIONS, post=True),
    "action_done": in_workspace(Capability.VIEW, post=True),  # the owner, or who runs it
    "minutes_share": in_workspace(Capability.RUN_SESSIONS, post=True),
    "minutes_comment": in_workspace(Capability.CONTRIBUTE, post=True),
    # Scheduling polls: the session's audience sees and answers them while the session is a
    # draft; those who run sessions open them, read the grid, pick a slot and close them.
    "poll_list": in_workspace(Capability.VIEW),
    "poll_detail": in_workspace(Capability.VIEW),
    "poll_open": in_workspace(Capability.RUN_SESSIONS),
    "poll_answer": in_workspace(Capability.VIEW, post=True),
    "poll_grid": in_workspace(Capability.RUN_SESSIONS),
    "poll_pick": in_workspace(Capability.RUN_SESSIONS, post=True),
    "poll_close": in_workspace(Capability.RUN_SESSIONS, post=True),
    "session_room": in_workspace(Capability.VIEW),
    "session_chat_send": in_workspace(Capability.CONTRIBUTE, post=True),
    # Running a live session from its room: each action's service asks the policy (run the
    # session; or post in the room, to ask for the floor) and refuses with a message.
    "session_live_action": in_workspace(Capability.VIEW, post=True),
    "session_chat_mute": in_workspace(Capability.MODERATE, post=True),
    "session_chat_lock": in_workspace(Capability.MODERATE, post=True),
    "session_chat_edit": in_workspace(Capability.CONTRIBUTE, post=True),
    "session_chat_delete": in_workspace(Capability.VIEW, post=True),
    "session_chat_hide": in_workspace(Capability.MODERATE, post=True),
    # Attribution: the Secretariat sets it and alone may unmask (audited, the person is told)
    "workspace_attribution": in_workspace(Capability.SET_ATTRIBUTION),
    "pseudonym_unmask": in_workspace(Capability.UNMASK),
    # Exports follow the reader's audience and the attribution mode; each one is audited
    "workspace_export": in_workspace(Capability.VIEW),
    "thread_export": in_workspace(Capability.VIEW),
    "session_export": in_workspace(Capability.VIEW),
    # Privacy notice (privacy/notice): anyone reads it, signed out too; the Secretariat edits it,
    # like the library's pages: the page and its form's POSTs (a language's text, or its
    # removal) are 404 to everyone else (tests/privacy/test_privacy_notice.py posts).
    "privacy_notice": PUBLIC,
    "privacy_notice_edit": needs(Capability.EDIT_PRIVACY_NOTICE),
    # My data (privacy/my_data): the official's own export. The page and its POST (a sensitive
    # action: allauth's reauthentication first, then the request); the download is the owner's
    # alone, like api_token_revoke: another's, an unknown key or an expired archive is 404.
    "my_data": Rule("signed_in", methods=("GET", "POST")),
    "my_data_download": SIGNED_IN,
    # The API (api/): every route is reached by a token (no session) or the signed-in browser,
    # and asks the same policy as the page that shows or does the same thing.
    # tests/every_door/test_route_guard.py::test_declared_api_rule_holds exercises each.
    "api:docs": SIGNED_IN,  # the documentation page, in the browser
    "api:schema": api(),  # the OpenAPI description
    "api:me": api(),
    "api:dialogue-list": api(),
    "api:notification-list": api(),
    "api:notifications-read": api(methods=("POST",)),  # the caller's own notifications only
    # A dialogue: its name to its roster; its purpose once its undertaking is accepted.
    "api:dialogue-detail": api_in_workspace(Capability.VIEW),
    "api:thread-list": api_in_workspace(Capability.VIEW),
    "api:thread-detail": api_in_workspace(Capability.VIEW),
    "api:post-list": api_in_workspace(Capability.VIEW, post=Capability.CONTRIBUTE),
    "api:document-list": api_in_workspace(Capability.VIEW),
    "api:document-detail": api_in_workspace(Capability.VIEW),
    "api:document-download": api_in_workspace(Capability.VIEW),  # audited, like the page's
    "api:document-acknowledge": Rule("api_workspace", Capability.VIEW, ("POST",)),
    "api:session-list": api_in_workspace(Capability.VIEW),
    "api:session-detail": api_in_workspace(Capability.VIEW),
    "api:chat-messages": api_in_workspace(Capability.VIEW, post=Capability.CONTRIBUTE),
}

# Whole namespaces with one rule: the Django admin is for operators (is_staff) only.
NAMESPACE_RULES: dict[str, Rule] = {"admin": STAFF}

# Websocket routes by their path pattern: the room's VIEW, checked on connect and on every
# access change (tests/dialogues/chat/test_chat_consumer.py exercises each refusal).
WEBSOCKET_RULES: dict[str, Rule] = {"ws/rooms/<int:room_id>/": Rule("workspace", Capability.VIEW)}


def iter_routes(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    """Yield (qualified name, route text, URLPattern) for every HTTP route."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from iter_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name or ''}" if namespace else pattern.name or ""
            yield name, prefix + str(pattern.pattern), pattern


def rule_for(name: str) -> Rule | None:
    if name in ROUTE_RULES:
        return ROUTE_RULES[name]
    namespace = name.split(":", 1)[0] if ":" in name else ""
    return NAMESPACE_RULES.get(namespace)
