from django.apps import AppConfig


class DialoguesConfig(AppConfig):
    name = "dialogues"
    verbose_name = "Dialogues"

    def ready(self) -> None:
        from accounts.signals import access_revoked

        from .revocation import close_revoked_sockets

        access_revoked.connect(close_revoked_sockets, dispatch_uid="dialogues.close_sockets")
