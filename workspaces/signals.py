"""What a workspace announces to the parts built on it (which workspaces may not import)."""

from django.dispatch import Signal

# Sent inside the creating transaction, with `workspace`: dialogues opens its chat room.
workspace_created = Signal()
