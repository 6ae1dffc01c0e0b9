"""Participation insights: who may read which figures, and that every figure agrees with a
policy-filtered count for its reader (anonymous dialogues as totals only, full-members-only
items never counted for an observer's view, no titles of what the reader may not see)."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialogues.chat import services as chat_services
from dialogues.insights.figures import METRICS, Period, Reader, countable, insights
from dialogues.models import ChatMessage, ChatRoom, Post, SessionAttendance, Thread
from dialogues.threads import services as thread_services
from tests.factories import DialogueSessionFactory, WorkspaceFactory
from workspaces.access import Capability, WorkspaceRole, can, insights_scope
from workspaces.models import AttributionMode, Audience, Workspace
from workspaces.services import roster_add_user

NOW = timezone.now()
PERIOD = Period(start=NOW - datetime.timedelta(days=30), end=NOW + datetime.timedelta(days=1))


@pytest.fixture
def activity(world, dialogue):
    """Posts, replies and chat in `offsets` (EU and Chile, observers contribute) by a member,
    a focal point and an observer; a full-members-only thread; chat in `closed`."""
    offsets = dialogue.offsets
    opened = thread_services.thread_create(
        actor=world.member, workspace=offsets, title="Benchmarks compared", body="Our view."
    )
    thread_services.post_reply(actor=world.observer, thread=opened, body="Chile's view.")
    thread_services.post_reply(actor=world.focal_point, thread=opened, body="EU agrees.")
    members_only = thread_services.thread_create(
        actor=world.member,
        workspace=offsets,
        title="Negotiating position draft",
        body="Members only.",
        audience=Audience.FULL_MEMBERS,
    )
    thread_services.post_reply(actor=world.focal_point, thread=members_only, body="Noted.")
    room = ChatRoom.objects.get(workspace=offsets, is_workspace_room=True)
    for n, who in enumerate((world.member, world.observer, world.secretariat)):
        chat_services.message_send(actor=who, room=room, body=f"Hello {n}", client_id=f"i{n}")
    return {"opened": opened, "members_only": members_only}


def count_for(user, kind):
    queryset, _workspace, _jurisdiction = countable(kind, Reader.of(user), PERIOD)
    return queryset.count()


def test_who_may_read_insights(world, dialogue, client_for):
    url = reverse("insights")
    assert client_for(world.member).get(url).status_code == 404
    for reader in (world.cochair, world.secretariat, world.focal_point):
        assert client_for(reader).get(url).status_code == 200, reader
    # A facilitator sees their dialogue, for every jurisdiction.
    roster_add_user(
        actor=world.secretariat,
        workspace=dialogue.offsets,
        user=world.member,
        role=WorkspaceRole.FACILITATOR,
    )
    assert insights_scope(world.member) == {dialogue.offsets.pk: None}
    assert client_for(world.member).get(url).status_code == 200
    # A focal point: the dialogues they see, their own jurisdiction only.
    scope = insights_scope(world.focal_point)
    assert scope[dialogue.offsets.pk] == frozenset({world.focal_point.jurisdiction_id})


def test_one_dialogue_and_its_tab(world, dialogue, activity, client_for):
    """A facilitator finds their dialogue's figures from its tabs; `?dialogue=` narrows the page
    to one dialogue in the reader's view and is missing for any other."""
    offsets_url = reverse("workspace_detail", kwargs={"slug": "offsets"})
    tab = f'href="{reverse("insights")}?dialogue=offsets"'
    assert tab not in client_for(world.member).get(offsets_url).content.decode()
    roster_add_user(
        actor=world.secretariat,
        workspace=dialogue.offsets,
        user=world.member,
        role=WorkspaceRole.FACILITATOR,
    )
    assert tab in client_for(world.member).get(offsets_url).content.decode()
    member = client_for(world.member)
    page = member.get(reverse("insights"), {"dialogue": "offsets"})
    assert page.status_code == 200
    assert [row.label for row in page.context["figures"].dialogues] == [dialogue.offsets.title]
    # Not a facilitator of `closed`, and a slug that does not exist: the same 404.
    assert member.get(reverse("insights"), {"dialogue": "closed"}).status_code == 404
    assert member.get(reverse("insights"), {"dialogue": "nowhere"}).status_code == 404
    chart = reverse("insights_chart", kwargs={"name": "grid"})
    assert member.get(chart, {"dialogue": "closed"}).status_code == 404
    # A Co-Chair narrows the page the same way, and the period form keeps the dialogue.
    narrowed = client_for(world.cochair).get(reverse("insights"), {"dialogue": "closed"})
    assert [row.label for row in narrowed.context["figures"].dialogues] == ["Linking talks"]
    assert 'name="dialogue" value="closed"' in narrowed.content.decode()


def test_the_tab_agrees_with_the_scope(world, dialogue):
    """The tab's one-dialogue answer is insights_scope's, for every reader of every dialogue
    they see (a facilitator among them)."""
    from workspaces.access import may_read_dialogue_insights, visible

    roster_add_user(
        actor=world.secretariat,
        workspace=dialogue.offsets,
        user=world.member_nz,
        role=WorkspaceRole.FACILITATOR,
    )
    checked = 0
    for reader in world.users:
        scope = insights_scope(reader)
        for workspace in visible(reader, Workspace):
            assert may_read_dialogue_insights(reader, workspace) is (workspace.pk in scope), (
                reader.email,
                workspace.slug,
            )
            checked += 1
    assert checked > 5
    assert may_read_dialogue_insights(world.member_nz, dialogue.offsets)
    assert not may_read_dialogue_insights(world.member, dialogue.offsets)


def test_every_figure_agrees_with_the_policy_filtered_count(world, dialogue, activity):
    for reader in (world.cochair, world.secretariat, world.focal_point, world.observer):
        if not insights_scope(reader):
            continue
        figures = insights(user=reader, period=PERIOD)
        for kind in METRICS:
            on_page = sum(row.counts[kind] for row in figures.dialogues)
            assert on_page == count_for(reader, kind), (reader, kind)


def offsets_row(figures, dialogue):
    return next(row for row in figures.dialogues if row.label == dialogue.offsets.title)


def replies_in_offsets(dialogue, **where):
    return Post.objects.filter(
        thread__workspace=dialogue.offsets, deleted_at__isnull=True, depth__gt=0, **where
    ).count()


def test_a_focal_point_counts_their_own_jurisdiction_only(world, dialogue, activity):
    figures = insights(user=world.focal_point, period=PERIOD)
    assert [row.label for row in figures.jurisdictions] == [world.focal_point.jurisdiction.name]
    eu = world.focal_point.jurisdiction
    assert offsets_row(figures, dialogue).counts["replies"] == replies_in_offsets(
        dialogue, author__jurisdiction=eu
    )
    assert (
        offsets_row(figures, dialogue).counts["messages"]
        == ChatMessage.objects.filter(
            room__workspace=dialogue.offsets, author__jurisdiction=eu
        ).count()
    )
    everyone = insights(user=world.cochair, period=PERIOD)
    assert (
        offsets_row(everyone, dialogue).counts["messages"]
        > offsets_row(figures, dialogue).counts["messages"]
    )


def test_an_undertaking_not_accepted_hides_the_dialogues_figures(world, dialogue, activity):
    from workspaces.undertakings import undertaking_set

    def titles():
        return [row.label for row in insights(user=world.focal_point, period=PERIOD).dialogues]

    assert dialogue.offsets.title in titles()
    undertaking_set(actor=world.secretariat, workspace=dialogue.offsets, text="Chatham House.")
    assert dialogue.offsets.title not in titles()


def test_a_co_chair_on_an_observer_seat_counts_no_full_members_only_item(world, dialogue):
    from accounts.models import Jurisdiction
    from workspaces.access import insights_observer_view

    assert not insights_observer_view(world.cochair)
    Jurisdiction.objects.filter(pk=world.nz.pk).update(status=Jurisdiction.Status.OBSERVER)
    cochair = type(world.cochair).objects.get(pk=world.cochair.pk)
    assert insights_observer_view(cochair)
    assert not insights_observer_view(world.secretariat)


def test_an_observer_view_never_counts_full_members_only_items(world, dialogue, activity):
    # Chile's official facilitates offsets: every jurisdiction's figures there, from an
    # observer's seat: the full-members-only thread and its reply are not counted.
    roster_add_user(
        actor=world.secretariat,
        workspace=dialogue.offsets,
        user=world.observer,
        role=WorkspaceRole.FACILITATOR,
    )
    seated = offsets_row(insights(user=world.observer, period=PERIOD), dialogue)
    everything = offsets_row(insights(user=world.cochair, period=PERIOD), dialogue)
    threads = Thread.objects.filter(workspace=dialogue.offsets, deleted_at__isnull=True)
    assert seated.counts["threads"] == threads.filter(audience=Audience.EVERYONE).count()
    assert everything.counts["threads"] == threads.count() > seated.counts["threads"]
    assert everything.counts["replies"] > seated.counts["replies"]
    assert seated.counts["replies"] == replies_in_offsets(
        dialogue, thread__audience=Audience.EVERYONE
    )


def test_anonymous_dialogues_give_totals_only(world, dialogue, activity):
    before = insights(user=world.cochair, period=PERIOD)
    Workspace.objects.filter(pk=dialogue.offsets.pk).update(attribution=AttributionMode.ANONYMOUS)
    figures = insights(user=world.cochair, period=PERIOD)
    assert offsets_row(figures, dialogue).total == offsets_row(before, dialogue).total > 0
    # Per jurisdiction, the anonymous dialogue's activity is left out.
    assert sum(row.total for row in figures.jurisdictions) == sum(
        row.total for row in before.jurisdictions
    ) - sum(
        n
        for (workspace, jurisdiction), n in _cells(before, dialogue).items()
        if jurisdiction is not None
    )
    column = figures.grid_columns.index(dialogue.offsets.title)
    assert all(values[column] is None for _name, values in figures.grid)


def _cells(figures, dialogue):
    column = figures.grid_columns.index(dialogue.offsets.title)
    return {(dialogue.offsets.pk, name): values[column] or 0 for name, values in figures.grid}


def test_no_titles_or_text_of_what_the_reader_may_not_see(world, dialogue, activity, client_for):
    # A dialogue the Co-Chair (of New Zealand) is not on: its figures count, its titles do not.
    elsewhere = WorkspaceFactory(
        created_by=world.secretariat, title="European prices", jurisdictions=[world.eu]
    )
    session = DialogueSessionFactory(workspace=elsewhere, title="Closed-door price corridor talk")
    SessionAttendance.objects.create(session=session, user=world.member_nz, joined_at=NOW)
    client = client_for(world.cochair)
    page = client.get(reverse("insights")).content.decode()
    assert dialogue.closed.title in page  # dialogue names: as the directory shows them
    for secret in ("Benchmarks compared", "Negotiating position draft", "Our view", "Hello 0"):
        assert secret not in page
    assert not can(world.cochair, Capability.VIEW, session)
    assert "European prices" in page  # the dialogue is counted ...
    assert "Closed-door price corridor talk" not in page  # ... but not its session's title
    for table in ("attendance", "dialogues", "grid", "activity", "jurisdictions"):
        body = client.get(reverse("insights"), {"csv": table}).content.decode()
        assert "Closed-door price corridor talk" not in body
        assert "Benchmarks compared" not in body


def test_csv_says_what_the_tables_say(world, dialogue, activity, client_for):
    response = client_for(world.cochair).get(reverse("insights"), {"csv": "dialogues"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    figures = insights(user=world.cochair, period=PERIOD)
    by_label = {row.label: row for row in figures.dialogues}
    for line in rows[1:]:
        row = by_label[line[0]]
        assert [int(v) for v in line[1 : 1 + len(METRICS)]] == [row.counts[k] for k in METRICS]
    assert client_for(world.cochair).get(reverse("insights"), {"csv": "nope"}).status_code == 404


def test_charts_are_images_that_run_nothing(world, dialogue, activity, client_for):
    client = client_for(world.cochair)
    for name in ("activity", "grid", "attendance"):
        response = client.get(reverse("insights_chart", kwargs={"name": name}))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("image/svg+xml")
        assert "default-src 'none'" in response["Content-Security-Policy"]
        body = response.content.decode()
        assert body.startswith("<svg") and "<script" not in body
    assert client.get(reverse("insights_chart", kwargs={"name": "pie"})).status_code == 404
    assert (
        client_for(world.member).get(reverse("insights_chart", kwargs={"name": "grid"})).status_code
        == 404
    )


def test_a_page_views_charts_draw_its_own_figures(world, dialogue, activity, client_for):
    """The page keeps its figures for its charts under a name only its reader can use: the
    charts draw them without counting again, and another reader's name counts afresh."""
    from urllib.parse import parse_qs, urlsplit

    page = client_for(world.cochair).get(reverse("insights"))
    src = re.search(r'src="(/insights/chart/grid\.svg\?[^"]+)"', page.content.decode())[1]
    kept = parse_qs(urlsplit(src.replace("&amp;", "&")).query)["figures"][0]
    chart = reverse("insights_chart", kwargs={"name": "grid"})
    with CaptureQueriesContext(connection) as drawn:
        assert client_for(world.cochair).get(chart, {"figures": kept}).status_code == 200
    with CaptureQueriesContext(connection) as counted:
        assert client_for(world.cochair).get(chart).status_code == 200
    assert len(drawn) < len(counted)
    # The focal point holding the Co-Chair's name gets their own figures: no other dialogue.
    theirs = client_for(world.focal_point).get(chart, {"figures": kept}).content.decode()
    assert "Linking talks" not in theirs
    ours = client_for(world.cochair).get(chart, {"figures": kept}).content.decode()
    assert "Linking talks" in ours
    assert client_for(world.member).get(chart, {"figures": kept}).status_code == 404


def test_a_bad_period_is_refused_with_a_message(world, client_for):
    response = client_for(world.cochair).get(
        reverse("insights"), {"start": "2026-05-01", "end": "2026-01-01"}
    )
    assert "The period must end on or after its start." in response.content.decode()


def test_the_page_reads_in_few_queries(
    world, dialogue, activity, client_for, django_assert_max_num_queries
):
    client = client_for(world.cochair)
    client.get(reverse("insights"))
    with django_assert_max_num_queries(40):
        client.get(reverse("insights"))
