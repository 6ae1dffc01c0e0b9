"""Load the demo world: jurisdictions, officials, dialogues and their threads. Safe to rerun."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.accounts import demo_logins
from demo.seed import seed_demo_world


class Command(BaseCommand):
    help = "Create or refresh the demo world (never under production settings)."

    def handle(self, *args, **options):
        # Production settings do not install this app; a settings module that does is refused.
        if getattr(settings, "ENCLAVE_ENVIRONMENT", "") == "production":
            raise CommandError("seed_demo refuses to run under production settings.")
        seed_demo_world()
        self.stdout.write(self.style.SUCCESS("Demo world ready. Logins (password enclave-demo):"))
        for email, what in demo_logins():
            self.stdout.write(f"  {email:<34} {what}")
