"""Authentication that refuses deactivated and suspended officials and officials of former
jurisdictions."""

from allauth.account.auth_backends import AuthenticationBackend
from asgiref.sync import sync_to_async

from .models import User
from .standing import account_lack


class OfficialBackend(AuthenticationBackend):
    def user_can_authenticate(self, user) -> bool:
        # The account part of standing (accounts/standing.py); the rest is asked per door.
        return super().user_can_authenticate(user) and account_lack(user) is None

    def get_user(self, user_id):
        # Checked on every request: a deactivated official's session stops working at once.
        user = User.objects.select_related("jurisdiction").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)
