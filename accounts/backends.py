"""Authentication that refuses deactivated officials and officials of former jurisdictions."""

from allauth.account.auth_backends import AuthenticationBackend
from asgiref.sync import sync_to_async

from .models import Jurisdiction, User


class OfficialBackend(AuthenticationBackend):
    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        jurisdiction = user.jurisdiction
        return jurisdiction is None or jurisdiction.status != Jurisdiction.Status.FORMER

    def get_user(self, user_id):
        # Checked on every request: a deactivated official's session stops working at once.
        user = User.objects.select_related("jurisdiction").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)
