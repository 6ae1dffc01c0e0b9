"""Notification emails and digests in each recipient's stored language, whoever or whatever sent
them (a colleague's post, the cron's digest), and still leak-safe.

Enclave's catalogs are compiled at the end of #18: the language is read as the one active while
each email's template was rendered (and the subject composed), whatever the catalogs say.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.test.signals import template_rendered
from django.utils import translation

from dialogues.notifications.digest import send_digest
from dialogues.threads import services as thread_services

SECRET = "Confidential allowance figure 417"
NOTIFICATION = "dialogues/notifications/email/notification.txt"
DIGEST = "dialogues/notifications/email/digest.txt"


@pytest.fixture
def rendered_in():
    """[(template name, language active while it rendered)], in order."""
    seen: list[tuple[str, str]] = []

    def record(sender, template, context, **kwargs):
        seen.append((template.name, translation.get_language()))

    template_rendered.connect(record)
    yield seen
    template_rendered.disconnect(record)


def _speaking(world, **languages):
    for name, language in languages.items():
        user = getattr(world, name)
        user.language = language
        user.save(update_fields=["language"])


def test_a_mention_is_emailed_in_the_readers_language(
    world, dialogue, django_capture_on_commit_callbacks, rendered_in
):
    _speaking(world, observer="fr")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        thread_services.post_reply(
            actor=world.member, thread=dialogue.public_thread, body=f"@observer {SECRET}"
        )
    [message] = [m for m in mail.outbox if world.observer.email in m.to]
    assert (NOTIFICATION, "fr") in rendered_in
    assert (NOTIFICATION, "en") not in rendered_in
    assert SECRET not in message.body and SECRET not in message.subject
    assert "Offsets and removals" in message.subject


def test_digests_go_to_each_reader_in_their_language_and_stay_leak_safe(
    world, dialogue, rendered_in
):
    _speaking(world, focal_point="fr", observer="es", secretariat="ja")
    thread_services.post_reply(
        actor=world.member,
        thread=dialogue.public_thread,
        body=f"@focal @observer @secretariat {SECRET}",
    )
    mail.outbox.clear()
    for reader, language in (
        (world.focal_point, "fr"),
        (world.observer, "es"),
        (world.secretariat, "ja"),
    ):
        rendered_in.clear()
        with translation.override("en"):  # the cron's own language
            assert send_digest(reader)
        assert rendered_in == [(DIGEST, language)], reader.email
        [message] = [m for m in mail.outbox if reader.email in m.to]
        assert "Offsets and removals" in message.body
        assert SECRET not in message.body
        assert dialogue.public_thread.title not in message.body
