from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = "Dialogue workspaces"

    def ready(self) -> None:
        # accounts asks what its officials would lose when a jurisdiction's status changes
        # without importing this layer (layers run one way): this layer's policy answers.
        from accounts.reviews import provide_rosters
        from accounts.selectors import provide_status_losses

        from .access import rosters_seen_by, status_change_losses

        provide_status_losses("workspaces", status_change_losses)
        # The access review page: the dialogues each official is on, as the reader may see.
        provide_rosters(rosters_seen_by)
