"""When the accounts or workspaces layer says someone's access shrank, their sockets re-check
at once (and close if the room is no longer theirs)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from dialogues.chat.services import user_group


def close_revoked_sockets(sender, user_ids, session_keys=(), **kwargs):
    layer = get_channel_layer()
    event = {"type": "access.revoke", "session_keys": list(session_keys)}
    for user_id in user_ids:
        async_to_sync(layer.group_send)(user_group(user_id), event)
