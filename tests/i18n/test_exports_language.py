"""What leaves the platform speaks its reader's language too: an export's fixed texts and a
session's calendar file are in French for a French reader, while what people wrote (titles,
posts) stays exactly as written."""

import icalendar
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from dialogues.models import DialogueSession
from tests.factories import DialogueSessionFactory


def french(*english: str) -> list[str]:
    """The French of each msgid, checked to be French (so the test can tell the two apart)."""
    with translation.override("fr"):
        found = [gettext(text) for text in english]
    for text, translated in zip(english, found, strict=True):
        assert translated != text, f"no French for {text!r}: the catalog lacks it"
    return found


@pytest.fixture
def reader(world):
    User.objects.filter(pk=world.member.pk).update(language="fr")
    return world.member


def test_a_thread_export_reads_in_the_readers_language(dialogue, reader, client_for):
    labels = ["Enclave export — confidential", "Dialogue:", "Contents:", "one thread"]
    thread = dialogue.public_thread
    url = reverse("thread_export", args=[thread.workspace.slug, thread.pk, "md"])
    response = client_for(reader).get(url)
    assert response.status_code == 200
    text = response.content.decode()
    for english, translated in zip(labels, french(*labels), strict=True):
        assert translated in text, f"{translated!r} missing"
        assert english not in text, f"{english!r} left in English"
    # What people wrote is theirs: the title, the dialogue's name and the posts, as written.
    for content in (thread.title, thread.workspace.title, "Which **criteria** matter most?"):
        assert content in text
    html = client_for(reader).get(url.replace("export.md", "export.html")).content.decode()
    assert '<html lang="fr">' in html
    assert french("Enclave export — confidential")[0] in html


def test_a_session_calendar_file_reads_in_the_readers_language(world, dialogue, reader, client_for):
    session = DialogueSessionFactory(
        workspace=dialogue.offsets,
        created_by=world.secretariat,
        title="Removals: the Co-Chair draft",
        status=DialogueSession.Status.SCHEDULED,
    )
    response = client_for(reader).get(
        reverse("session_calendar", kwargs={"slug": "offsets", "pk": session.pk})
    )
    assert response.status_code == 200
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    (label,) = french("Dialogue session in Enclave:")
    description = str(event["DESCRIPTION"])
    assert description.startswith(label + " ")
    assert "Dialogue session in Enclave" not in description
    assert str(event["SUMMARY"]) == "Removals: the Co-Chair draft"
