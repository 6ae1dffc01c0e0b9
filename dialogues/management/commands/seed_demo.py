"""Load the demo world: jurisdictions, officials, dialogues and their threads. Safe to rerun."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import demo_logins, seed_accounts
from dialogues.demo import seed_chat, seed_dialogues
from dialogues.demo_sessions import seed_sessions
from workspaces.demo import seed_documents


class Command(BaseCommand):
    help = "Create or refresh the demo world (never under production settings)."

    def handle(self, *args, **options):
        if getattr(settings, "ENCLAVE_ENVIRONMENT", "") == "production":
            raise CommandError("seed_demo refuses to run under production settings.")
        with transaction.atomic():
            officials = seed_accounts()
            seed_dialogues(officials)
            seed_documents(officials)
            seed_chat(officials)
            seed_sessions(officials)
        self.stdout.write(self.style.SUCCESS("Demo world ready. Logins (password enclave-demo):"))
        for email, what in demo_logins():
            self.stdout.write(f"  {email:<34} {what}")
