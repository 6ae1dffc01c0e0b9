"""Audit records read in the reader's language: each is stored as an English template and its
parameters, and composed when shown, on the audit page and in its CSV."""

from __future__ import annotations

import ast
import csv
import datetime
import html
import io
import re
import warnings
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy, gettext_noop

from accounts import reviews, services
from accounts.audit import audit_record, event_summary, sentence
from accounts.models import AuditEvent, Jurisdiction, User
from accounts.policy import Role

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _reader(world, language: str) -> User:
    world.secretariat.language = language
    world.secretariat.save(update_fields=["language"])
    return world.secretariat


def _page_summaries(client) -> list[str]:
    response = client.get(reverse("audit_log"))
    assert response.status_code == 200
    found = re.findall(
        r'<span class="audit-details__summary">(.*?)</span>', response.content.decode()
    )
    return [html.unescape(text) for text in found]


def _csv_summaries(client, *, streamed_in: str | None = None) -> list[str]:
    """The CSV's Summary column. `streamed_in`: the language active while the body streams
    (the export settles the reader's language before, so this must change nothing)."""
    response = client.get(reverse("audit_log_csv"))
    assert response.status_code == 200
    with warnings.catch_warnings(), translation.override(streamed_in or translation.get_language()):
        warnings.simplefilter("ignore")  # "...must consume asynchronous iterators..."
        body = b"".join(response)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    return [row[8] for row in rows[1:]]


# ------------------------------------------------------------------------------
# Shown in the reader's language (catalog entries that exist today)
# ------------------------------------------------------------------------------

# "%(name)s is admitted." as the catalogs translate it: a template the catalogs already hold.
ADMITTED = {
    "en": "Chile is admitted.",
    "fr": "Chile est admise.",
    "es": "Chile ha sido admitida.",
    "ja": "Chile が加入しました。",
}
# A template with no translation of its own: what changes is its labels and its date, written
# as the reader's language writes dates (config/formats), never as ISO.
DAY = datetime.date(2027, 3, 28)
MOMENT = datetime.datetime(2027, 3, 28, tzinfo=datetime.UTC)
LABELLED = {
    "en": "Chile · Observer · {date} · title, observer policy",
    "fr": "Chile · Observateur · {date} · titre, politique relative aux observateurs",
    "es": "Chile · Observador · {date} · título, política de observadores",
    "ja": "Chile · オブザーバー · {date} · タイトル, オブザーバーの方針",
}


def labelled(language: str) -> str:
    with translation.override(language):
        date = date_format(DAY, "DATE_FORMAT")
    assert date != DAY.isoformat()
    return LABELLED[language].format(date=date)


def _labelled_record(world) -> AuditEvent:
    return audit_record(
        action=AuditEvent.Action.JURISDICTION_STATUS,
        actor=world.cochair,
        summary=sentence(
            "%(name)s · %(status_label)s · %(review_date)s · %(fields_labels)s",
            name="Chile",
            status_label=Jurisdiction.Status.OBSERVER.label,
            review_date=DAY,
            fields_labels=[gettext_lazy("title"), gettext_noop("observer policy")],
        ),
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_same_record_reads_in_each_readers_language_on_the_page_and_in_the_csv(
    world, client_for, language
):
    audit_record(
        action=AuditEvent.Action.JURISDICTION_ADMITTED,
        actor=world.cochair,
        summary=sentence(gettext_noop("%(name)s is admitted."), name="Chile"),
    )
    _labelled_record(world)
    client = client_for(_reader(world, language))
    for shown in (_page_summaries(client), _csv_summaries(client)):
        assert ADMITTED[language] in shown
        assert labelled(language) in shown


@pytest.mark.parametrize("language", ["fr", "ja"])
def test_the_csv_is_in_the_language_of_the_reader_who_exports(world, client_for, language):
    """The lines are written while the response streams, perhaps where another language is
    active: each still reads in the exporting reader's."""
    _labelled_record(world)
    client = client_for(_reader(world, language))
    assert labelled(language) in _csv_summaries(client, streamed_in="en")


def test_nothing_is_translated_when_a_record_is_written(world):
    """A writer working in French stores English: the template, the labels' msgids, ISO dates;
    the stored summary reads as the English sentence."""
    with translation.override("fr"):
        event = _labelled_record(world)
    event.refresh_from_db()
    assert event.summary == "Chile · Observer · 2027-03-28 · title, observer policy"
    assert event.summary_params == {
        "name": "Chile",
        "status_label": "Observer",
        "review_date": "2027-03-28",
        "fields_labels": ["title", "observer policy"],
    }


def test_a_service_stores_its_sentence_in_english_whatever_the_writers_language(world):
    with translation.override("fr"):
        services.official_set_role(
            actor=world.cochair, official=world.member, role=Role.CO_CHAIR, granted=True
        )
    event = AuditEvent.objects.get(action="role_changed")
    assert event.summary == "member@example.test: Co-Chair granted"
    assert event.summary_template == "%(email)s: %(role_label)s granted"
    assert event.summary_params == {"email": "member@example.test", "role_label": "Co-Chair"}


# ------------------------------------------------------------------------------
# Older records, and templates that no longer fit
# ------------------------------------------------------------------------------


def test_a_record_written_before_templates_shows_its_summary(world, client_for):
    AuditEvent.objects.create(
        action=AuditEvent.Action.USER_REACTIVATED, summary="member@example.test reactivated"
    )
    client = client_for(_reader(world, "fr"))
    assert "member@example.test reactivated" in _page_summaries(client)
    assert "member@example.test reactivated" in _csv_summaries(client)


def test_free_text_is_stored_and_shown_as_it_is(world, client_for):
    event = audit_record(action=AuditEvent.Action.LOGIN, actor=world.member, summary="ev-marker")
    assert (event.summary, event.summary_template, event.summary_params) == ("ev-marker", "", {})
    assert "ev-marker" in _page_summaries(client_for(_reader(world, "es")))


@pytest.mark.parametrize(
    "template, params",
    [
        ("Document %(document)s deleted", {"doc": 7}),  # a parameter renamed since
        ("Document %(document)s deleted", ["7"]),  # not a mapping at all
        ("Document %(document)d deleted", {"document": "seven"}),  # a number expected
        ("Document %(document)s deleted %(deleted_date)s", {"document": 7, "deleted_date": "x"}),
    ],
)
def test_a_template_that_no_longer_fits_its_parameters_falls_back_to_english(
    world, client_for, template, params
):
    AuditEvent.objects.create(
        action=AuditEvent.Action.DOCUMENT_DELETED,
        summary="Document 7 deleted",
        summary_template=template,
        summary_params=params,
    )
    client = client_for(_reader(world, "fr"))
    assert "Document 7 deleted" in _page_summaries(client)
    assert "Document 7 deleted" in _csv_summaries(client)


def test_a_broken_translation_falls_back_to_english(world):
    event = AuditEvent(
        summary="Chile is admitted.",
        summary_template="%(name)s is admitted.",
        summary_params={"name": "Chile"},
    )
    with translation.override("fr"):
        assert event_summary(event) == "Chile est admise."
        event.summary_params = {}  # the placeholder the translation keeps is missing
        assert event_summary(event) == "Chile is admitted."


# ------------------------------------------------------------------------------
# Mistakes fail where the record is written
# ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template, params, error",
    [
        ("Document %(document)s deleted", {"doc": 7}, KeyError),
        ("Document %(document)d deleted", {"document": "seven"}, TypeError),
        ("100% done", {}, ValueError),
        ("Session from %s ended", {"ip": "127.0.0.1"}, ValueError),
        # A label translated for the writer, under a key that says it is content.
        ("%(status)s", {"status": Jurisdiction.Status.OBSERVER.label}, TypeError),
        ("%(who)s", {"who": object()}, TypeError),
        ("%(review_date)s", {"review_date": "2027-03-28"}, TypeError),
        ("%(at_date)s", {"at_date": MOMENT}, TypeError),
        ("%(fields_labels)s", {"fields_labels": "title"}, TypeError),
        (gettext_lazy("Invitation sent"), {}, TypeError),
        ("x" * 301, {}, ValueError),
    ],
)
def test_a_sentence_that_does_not_fit_fails_when_written(world, template, params, error):
    with pytest.raises(error):
        audit_record(
            action=AuditEvent.Action.LOGIN,
            actor=world.member,
            summary=sentence(template, **params),
        )
    assert not AuditEvent.objects.filter(action="login").exists()


# ------------------------------------------------------------------------------
# Every record the apps write is a sentence
# ------------------------------------------------------------------------------

APP_PACKAGES = ["accounts", "workspaces", "dialogues", "core"]


def _free_text(node: ast.AST) -> bool:
    """An f-string, a string literal, or a string built by % or .format(): English written
    once, shown to every reader as it is."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp):
        return _free_text(node.left) or _free_text(node.right)
    if isinstance(node, ast.IfExp):
        return _free_text(node.body) or _free_text(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _free_text(node.func.value)
    return False


def _name(func: ast.AST) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _summaries_written(tree: ast.Module) -> list[ast.AST]:
    """The `summary` of every audit_record call; where a helper forwards one of its own
    parameters as the summary, what each call of that helper in the module passes instead."""
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    functions = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
    calls = [c for c in ast.walk(tree) if isinstance(c, ast.Call)]
    written = []
    for call in calls:
        if _name(call.func) != "audit_record":
            continue
        summary = next((k.value for k in call.keywords if k.arg == "summary"), None)
        if summary is None:
            continue
        enclosing = parents.get(call)
        while enclosing is not None and not isinstance(enclosing, ast.FunctionDef):
            enclosing = parents.get(enclosing)
        forwarded = (
            isinstance(summary, ast.Name)
            and enclosing is not None
            and summary.id in [a.arg for a in enclosing.args.args + enclosing.args.kwonlyargs]
        )
        if not forwarded:
            written.append(summary)
            continue
        helper = functions[enclosing.name]
        position = [a.arg for a in helper.args.args].index(summary.id)
        for use in calls:
            if _name(use.func) != helper.name:
                continue
            given = next((k.value for k in use.keywords if k.arg == summary.id), None)
            if given is None and len(use.args) > position:
                given = use.args[position]
            if given is not None:
                written.append(given)
    return written


def test_no_record_is_written_as_free_text():
    root = Path(settings.BASE_DIR)
    offenders, seen = [], 0
    for package in APP_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for summary in _summaries_written(ast.parse(path.read_text(encoding="utf-8"))):
                seen += 1
                if _free_text(summary):
                    offenders.append(f"{path.relative_to(root)}:{summary.lineno}")
    assert seen >= 40, "the walk no longer finds the audit records it checks"
    assert offenders == [], f"write a sentence(gettext_noop(...), ...) instead: {offenders}"


def test_the_guard_catches_free_text():
    tree = ast.parse(
        "def f(user):\n"
        "    audit_record(action=1, actor=user, summary=f'{user.email} left')\n"
        "def g(user, summary):\n"
        "    audit_record(action=1, actor=user, summary=summary)\n"
        "g(None, 'Thread %s pinned' % 3)\n"
        "g(None, summary=sentence('%(x)s', x=1))\n"
    )
    assert [_free_text(node) for node in _summaries_written(tree)] == [True, True, False]


# ------------------------------------------------------------------------------
# NEEDS THE COMPILED CATALOGS. The sentences below are new msgids
# (/tmp/translations/audit.json); they read in French, Spanish and Japanese once the catalogs
# are compiled, and fail before (run: pytest tests/accounts/test_audit_languages.py -k compiled).
# ------------------------------------------------------------------------------

ROLE_GRANTED = {
    "en": "member@example.test: Co-Chair granted",
    "fr": "member@example.test\u00a0: rôle de Coprésident attribué",
    "es": "member@example.test: rol de Copresidente concedido",
    "ja": "member@example.test：共同議長の役割を付与しました",
}
ACCESS_CONFIRMED = {
    "en": "member@example.test: access confirmed until {date}",
    "fr": "member@example.test\u00a0: accès confirmé jusqu'au {date}",
    "es": "member@example.test: acceso confirmado hasta el {date}",
    "ja": "member@example.test：アクセスを{date}まで確認しました",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_the_services_sentences_read_in_the_readers_language(world, client_for, language):
    services.official_set_role(
        actor=world.cochair, official=world.member, role=Role.CO_CHAIR, granted=True
    )
    official = reviews.membership_confirm(actor=world.focal_point, official=world.member)
    with translation.override(language):
        date = date_format(official.access_review_on, "DATE_FORMAT")
    client = client_for(_reader(world, language))
    for shown in (_page_summaries(client), _csv_summaries(client)):
        assert ROLE_GRANTED[language] in shown
        assert ACCESS_CONFIRMED[language].format(date=date) in shown
