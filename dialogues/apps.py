from django.apps import AppConfig
from django.db.backends.signals import connection_created


class DialoguesConfig(AppConfig):
    name = "dialogues"
    verbose_name = "Dialogues"

    def ready(self) -> None:
        from accounts.audit import provide_audit_links
        from accounts.signals import access_review_asked, access_revoked
        from dialogues.audit_links import audit_item_links
        from dialogues.chat.revocation import close_revoked_sockets
        from dialogues.chat.services import open_workspace_room
        from dialogues.notifications.services import ring_access_review
        from dialogues.search.sqlite import register_fold
        from dialogues.threads.selectors import document_discussion
        from workspaces.page_hooks import provide_discussion_finder
        from workspaces.signals import workspace_created

        access_revoked.connect(close_revoked_sockets, dispatch_uid="dialogues.close_sockets")
        access_review_asked.connect(ring_access_review, dispatch_uid="dialogues.review_bell")
        workspace_created.connect(open_workspace_room, dispatch_uid="dialogues.workspace_room")
        provide_discussion_finder(document_discussion)
        provide_audit_links(audit_item_links)
        connection_created.connect(register_fold, dispatch_uid="dialogues.search_fold")
