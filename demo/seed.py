"""The whole demo world in one transaction: what `manage.py seed_demo` loads. Safe to rerun."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User

from .accounts import seed_accounts
from .announcements import seed_announcements
from .dialogue_sessions import seed_sessions
from .dialogues import seed_chat, seed_dialogues
from .factsheets import seed_factsheets
from .library import seed_library
from .workspaces import seed_documents, seed_undertakings


@transaction.atomic
def seed_demo_world() -> dict[str, User]:
    """Create what is missing (jurisdictions, officials, dialogues and their threads, documents,
    chat, dialogue sessions, factsheets, the library, announcements); return the demo
    officials by their local part."""
    officials = seed_accounts()
    seed_dialogues(officials)
    seed_documents(officials)
    seed_chat(officials)
    seed_sessions(officials)
    seed_factsheets(officials)
    seed_library(officials)
    seed_announcements(officials)
    seed_undertakings(officials)  # last: what came before was written before it
    return officials
