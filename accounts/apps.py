from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and membership"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (audit receivers for auth and MFA signals)
