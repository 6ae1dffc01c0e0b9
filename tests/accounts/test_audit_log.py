"""The audit log: append-only, written for every security event, readable by the right roles."""

import re

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import AuditEvent
from tests.factories import PASSWORD


def test_rows_cannot_be_changed_or_deleted(world):
    event = audit_record(action=AuditEvent.Action.LOGIN, actor=world.member)
    event.summary = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_updates(world):
    event = audit_record(action=AuditEvent.Action.LOGIN, actor=world.member)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET summary = 'x' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).summary == ""


def test_login_and_failed_login_are_recorded(world, client):
    client.post(reverse("account_login"), {"login": world.member.email, "password": "wrong"})
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.target_user == world.member and failed.actor is None
    assert failed.ip_address == "127.0.0.1"
    client.post(reverse("account_login"), {"login": world.member.email, "password": PASSWORD})
    assert AuditEvent.objects.filter(action="login", actor=world.member).exists()


def test_failed_logins_are_rate_limited(world, client):
    for _ in range(6):
        client.post(reverse("account_login"), {"login": world.member.email, "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": world.member.email, "password": PASSWORD}
    )
    # The right password is refused too: the sign-in form again, with the reason, no session.
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_forged_forwarded_for_does_not_change_the_recorded_address(world, client):
    client.post(
        reverse("account_login"),
        {"login": world.member.email, "password": "wrong"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert AuditEvent.objects.get(action="login_failed").ip_address == "127.0.0.1"


def test_audit_page_filters(world, client_for):
    audit_record(action=AuditEvent.Action.LOGIN, actor=world.member, summary="member-login")
    audit_record(action=AuditEvent.Action.LOGIN, actor=world.member_nz, summary="kiwi-login")
    client = client_for(world.secretariat)
    page = client.get(reverse("audit_log"), {"actor": world.member.email}).content.decode()
    assert "member-login" in page and "kiwi-login" not in page
    page = client.get(reverse("audit_log"), {"jurisdiction": world.nz.pk}).content.decode()
    assert "kiwi-login" in page and "member-login" not in page
    page = client.get(reverse("audit_log"), {"action": "logout"}).content.decode()
    assert "kiwi-login" not in page


@pytest.mark.parametrize("who", ["focal_point", "member", "observer"])
def test_audit_page_hidden_from_others(world, client_for, who):
    assert client_for(getattr(world, who)).get(reverse("audit_log")).status_code == 404


# ------------------------------------------------------------------------------
# The actor search
# ------------------------------------------------------------------------------


def _summaries(response) -> set[str]:
    assert response.status_code == 200
    return set(re.findall(r"\bev-[\w-]+", response.content.decode()))


def test_the_actor_search_takes_an_exact_email_alone(world, client_for):
    """A whole email address finds that official even when it is part of another's."""
    from tests.factories import UserFactory

    namesake = UserFactory(email="newmember@example.test", jurisdiction=world.eu)
    audit_record(action=AuditEvent.Action.LOGIN, actor=world.member, summary="ev-member")
    audit_record(action=AuditEvent.Action.LOGIN, actor=namesake, summary="ev-namesake")
    client = client_for(world.secretariat)
    found = _summaries(client.get(reverse("audit_log"), {"actor": "MEMBER@example.test"}))
    assert found == {"ev-member"}
    found = _summaries(client.get(reverse("audit_log"), {"actor": "member@"}))
    assert found == {"ev-member", "ev-namesake"}


def test_the_actor_search_matches_part_of_a_name(world, client_for):
    audit_record(action=AuditEvent.Action.LOGIN, actor=world.member, summary="ev-member")
    audit_record(action=AuditEvent.Action.LOGIN, actor=world.member_nz, summary="ev-kiwi")
    from accounts.models import User

    User.objects.filter(pk=world.member_nz.pk).update(full_name="Aroha Ngata")
    part = "roha NG"
    response = client_for(world.secretariat).get(reverse("audit_log"), {"actor": part})
    assert "ev-kiwi" in _summaries(response) and "ev-member" not in _summaries(response)
    assert world.member_nz.email in response.content.decode()  # whom the search found


def test_an_actor_search_that_finds_nobody_says_so_and_lists_nothing(world, client_for):
    audit_record(action=AuditEvent.Action.LOGIN, actor=world.member, summary="ev-member")
    response = client_for(world.secretariat).get(reverse("audit_log"), {"actor": "zz-nobody"})
    page = response.content.decode()
    assert response.status_code == 200 and _summaries(response) == set()
    assert "No official’s name or email contains “zz-nobody”." in page
    assert 'aria-invalid="true"' in page  # the field is marked, its error read out with it


def test_an_actor_search_matching_too_many_asks_for_more(world, client_for):
    from accounts.forms import AuditFilterForm
    from tests.factories import UserFactory

    for i in range(AuditFilterForm.MAX_ACTORS + 1):
        UserFactory(email=f"crowd{i}@example.test", jurisdiction=world.eu)
    response = client_for(world.secretariat).get(reverse("audit_log"), {"actor": "crowd"})
    assert "type more of the name or email" in response.content.decode()
    assert _summaries(response) == set()


def test_the_date_filter_takes_whole_days_and_any_calendar_date(world, client_for):
    import datetime

    from django.utils import timezone

    late = timezone.make_aware(datetime.datetime(2026, 3, 2, 23, 59, 59))
    AuditEvent.objects.bulk_create(
        [AuditEvent(action="login", actor=world.member, summary="ev-late", created_at=late)]
    )
    client = client_for(world.secretariat)
    one_day = {"date_from": "2026-03-02", "date_to": "2026-03-02"}
    assert _summaries(client.get(reverse("audit_log"), one_day)) == {"ev-late"}
    assert _summaries(client.get(reverse("audit_log"), {"date_to": "2026-03-01"})) == set()
    edges = {"date_from": "0001-01-01", "date_to": "9999-12-31"}
    assert "ev-late" in _summaries(client.get(reverse("audit_log"), edges))


# ------------------------------------------------------------------------------
# Paging by key: newest first by (created_at, id), Newer / Older
# ------------------------------------------------------------------------------


def _events(world, count: int, *, same_time_every: int = 1, actor=None, target=None) -> None:
    """`count` exports, ev-0 the oldest, `same_time_every` of them sharing each timestamp
    (concerning `target`, when given)."""
    import datetime

    from django.utils import timezone

    start = timezone.now() - datetime.timedelta(days=1)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action="exported",
            actor=actor or world.member,
            target_user=target,
            summary=f"ev-{i}",
            created_at=start + datetime.timedelta(seconds=i // same_time_every),
        )
        for i in range(count)
    )


def _page_links(html: str) -> dict[str, str]:
    return dict(re.findall(r'href="\?(?:[^"]*&amp;)?(before|after)=([0-9-]+)"', html))


def _rows(html: str) -> list[str]:
    return re.findall(r"\bev-\d+", html)


def test_older_and_newer_walk_the_whole_log_with_ties_on_the_time(world, client_for):
    """Events sharing a timestamp are neither skipped nor repeated across pages, both ways."""
    from accounts.views import AUDIT_PAGE_SIZE

    count = AUDIT_PAGE_SIZE * 2 + 7
    _events(world, count, same_time_every=7)  # a tie straddles every page boundary
    # The model's order: newest first, the later id first among equal times.
    expected = list(AuditEvent.objects.filter(action="exported").values_list("summary", flat=True))
    assert len(expected) == count
    client = client_for(world.secretariat)
    url = reverse("audit_log")
    pages, params = [], {"action": "exported"}
    for _ in range(5):
        html = client.get(url, params).content.decode()
        pages.append(_rows(html))
        links = _page_links(html)
        if "before" not in links:
            break
        params = {"action": "exported", "before": links["before"]}
    assert [row for page in pages for row in page] == expected
    assert [len(page) for page in pages] == [AUDIT_PAGE_SIZE, AUDIT_PAGE_SIZE, 7]
    assert "?action=exported&amp;after=" in html  # the filters ride along in the page links
    # Back up from the oldest page: the same pages, newest page last.
    back = []
    for _ in range(5):
        links = _page_links(html)
        if "after" not in links:
            break
        html = client.get(url, {"action": "exported", "after": links["after"]}).content.decode()
        back.append(_rows(html))
    assert back == [pages[1], pages[0]]


@pytest.mark.parametrize(
    "cursor",
    ["abc", "9" * 30, "1-0", "-1-5", "1.5-2", "999999999999999999-1", "1-99999999999999999999"],
)
@pytest.mark.parametrize("direction", ["before", "after"])
def test_a_malformed_cursor_shows_the_newest_page_and_says_so(world, client_for, cursor, direction):
    _events(world, 3)
    response = client_for(world.secretariat).get(reverse("audit_log"), {direction: cursor})
    html = response.content.decode()
    assert response.status_code == 200
    assert "That page link is not valid" in html
    assert _rows(html) == ["ev-2", "ev-1", "ev-0"]


def test_a_cursor_past_the_end_shows_an_empty_page_with_a_way_back(world, client_for):
    _events(world, 3)
    response = client_for(world.secretariat).get(reverse("audit_log"), {"before": "1-1"})
    html = response.content.decode()
    assert response.status_code == 200 and _rows(html) == []
    assert "Show the newest events" in html


def test_the_audit_page_costs_the_same_queries_however_long_the_log(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.secretariat)
    url = reverse("audit_log")

    def queries(params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured)

    def all_pages(params) -> list[int]:
        counts = [queries(params)]
        html = client.get(url, params).content.decode()
        before = _page_links(html).get("before")
        if before:
            counts.append(queries({**params, "before": before}))
        return counts

    queries({})  # warm caches
    # Every page holds events concerning an official (as the newest holds the sign-in's): each
    # page reads the same kinds of links.
    _events(world, 10, target=world.member)
    few = [all_pages({}), all_pages({"actor": world.member.email})]
    _events(world, 200, target=world.member)
    many = [all_pages({}), all_pages({"actor": world.member.email})]
    assert [c[0] for c in few] == [c[0] for c in many]
    assert many[0][0] == many[0][1]  # an older page costs what the newest does


def test_an_audit_page_is_read_from_an_index_on_postgresql(world):
    """The newest page, an older one, and each filter's page start from an index, not from a
    scan and sort of the whole table (migration 0005)."""
    from django.db import connection

    from accounts.selectors import audit_events
    from core.pagination import decode_cursor

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the plan is PostgreSQL's")
    _events(world, 30)
    moment, pk = decode_cursor("1800000000000000-5")
    pages = {
        "newest": audit_events(user=world.secretariat),
        "older": audit_events(user=world.secretariat).filter(created_at__lte=moment),
        "actor": audit_events(user=world.secretariat, actor=[world.member]),
        "jurisdiction": audit_events(user=world.secretariat, jurisdiction=world.eu),
        "action": audit_events(user=world.secretariat, action="exported"),
    }
    for name, events in pages.items():
        sql, params = events.order_by("-created_at", "-pk")[:51].query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Index Scan" in plan and "Sort" not in plan, (name, plan)


# ------------------------------------------------------------------------------
# What each event shows: the actor unbroken, the reason, a link where the reader may go
# ------------------------------------------------------------------------------


def _moderate(world, dialogue):
    """A post hidden in the open dialogue, and a thread locked in the closed one (which the
    Secretariat, not on its roster, may not open)."""
    from dialogues.threads import services as thread_services
    from workspaces.access import WorkspaceRole
    from workspaces.services import roster_add_user, roster_remove

    thread_services.post_set_hidden(
        actor=world.secretariat, post=dialogue.reply, hidden=True, reason="Off topic here"
    )
    roster_add_user(
        actor=world.cochair,
        workspace=dialogue.closed,
        user=world.secretariat,
        role=WorkspaceRole.FACILITATOR,
    )
    thread_services.thread_set_locked(
        actor=world.secretariat, thread=dialogue.closed_thread, locked=True, reason="Settled"
    )
    return roster_remove


def test_an_event_shows_its_reason_and_a_link_the_reader_may_open(world, dialogue, client_for):
    from workspaces.access import can

    roster_remove = _moderate(world, dialogue)
    # The Secretariat leaves the closed dialogue: its thread is no longer theirs to open.
    roster_remove(actor=world.cochair, workspace=dialogue.closed, user=world.secretariat)
    assert not can(world.secretariat, "view", dialogue.closed_thread)
    html = client_for(world.secretariat).get(reverse("audit_log")).content.decode()
    assert "Reason: Off topic here" in html and "Reason: Settled" in html
    permalink = reverse("post_permalink", args=[dialogue.reply.pk])
    assert f'href="{permalink}">Post in “Quality criteria for offsets”</a>' in html
    # The official it concerns (the post's author, of Chile), where officials are listed.
    chile = reverse("jurisdiction_detail", args=[world.chile.code])
    assert f'<a class="audit-person__name" href="{chile}">{world.observer.full_name}</a>' in html
    # No link to what the reader may not open, and never its title.
    assert "Registry interoperability" not in html
    closed = reverse("thread_detail", args=[dialogue.closed.slug, dialogue.closed_thread.pk])
    assert closed not in html


def test_a_hidden_or_deleted_object_gets_no_link(world, dialogue, client_for):
    from dialogues.threads import services as thread_services

    thread_services.post_set_hidden(
        actor=world.secretariat, post=dialogue.reply, hidden=True, reason="Off topic"
    )
    permalink = reverse("post_permalink", args=[dialogue.reply.pk])
    # The Co-Chair reads the log but does not moderate the dialogue: the hidden post's text is
    # not theirs to read, so no link.
    cochair = client_for(world.cochair).get(reverse("audit_log")).content.decode()
    assert "Reason: Off topic" in cochair and permalink not in cochair
    assert permalink in client_for(world.secretariat).get(reverse("audit_log")).content.decode()
    thread_services.post_delete(actor=world.observer, post=dialogue.reply)
    html = client_for(world.secretariat).get(reverse("audit_log")).content.decode()
    assert permalink not in html


def test_the_actor_is_shown_whole_with_the_email_breakable_only_at_the_at(world, client_for):
    audit_record(action=AuditEvent.Action.LOGIN, actor=world.member)
    html = client_for(world.secretariat).get(reverse("audit_log")).content.decode()
    local, domain = world.member.email.split("@")
    assert f'<span class="audit-person__email">{local}<wbr>@{domain}</span>' in html
    assert f'<span class="audit-person__name">{world.member.full_name}</span>' in html


def test_the_actor_parts_read_back_from_the_stored_label():
    from accounts.audit import actor_parts

    parts = actor_parts("Ana <ana.long-name@agency.example.eu> (European Union)")
    assert (parts.name, parts.email, parts.affiliation) == (
        "Ana",
        "ana.long-name@agency.example.eu",
        "European Union",
    )
    assert actor_parts("the operator via bootstrap").name == "the operator via bootstrap"


def test_links_cost_the_same_queries_however_many_events(world, dialogue, client_for):
    from django.test.utils import CaptureQueriesContext

    from dialogues.threads import services as thread_services

    client = client_for(world.secretariat)

    def moderate(times):
        for i in range(times):
            thread_services.thread_set_pinned(
                actor=world.secretariat, thread=dialogue.public_thread, pinned=bool(i % 2)
            )
            thread_services.post_set_hidden(
                actor=world.secretariat, post=dialogue.reply, hidden=not i % 2, reason=f"r{i}"
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit_log")).status_code == 200
        return len(captured)

    moderate(2)
    queries()  # warm caches
    few = queries()
    moderate(20)
    assert queries() == few


# ------------------------------------------------------------------------------
# The CSV download
# ------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    """The streamed body, read as a WSGI server would (Django runs the async iterator, its
    database reads in this thread and transaction)."""
    import csv
    import io
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "...must consume asynchronous iterators..."
        body = b"".join(response)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_csv_holds_the_filtered_events_newest_first(world, dialogue, client_for):
    _moderate(world, dialogue)
    audit_record(action=AuditEvent.Action.LOGIN, actor=world.member, summary="member-login")
    client = client_for(world.secretariat)
    response = client.get(reverse("audit_log_csv"), {"actor": world.secretariat.email})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="enclave-audit-log-\d{4}-\d{2}-\d{2}\.csv"', disposition
    )
    rows = _csv(response)
    assert rows[0][:3] == ["Time", "Action", "Actor"] and "Reason" in rows[0]
    reason = rows[0].index("Reason")
    actions = [row[1] for row in rows[1:]]
    assert "Post hidden" in actions and "Thread locked" in actions
    assert "member-login" not in {row[8] for row in rows[1:]}  # the filter holds
    assert all(row[3] == world.secretariat.email for row in rows[1:])
    assert {row[reason] for row in rows[1:]} >= {"Off topic here", "Settled"}
    # Newest first: the lock came after the hiding.
    assert actions.index("Thread locked") < actions.index("Post hidden")
    # The export is itself audited, with its filters.
    export = AuditEvent.objects.get(action="exported", scope="audit")
    assert export.actor == world.secretariat
    assert export.detail["filters"] == {"actor": [world.secretariat.pk]}


def test_the_csv_neutralises_spreadsheet_formulas(world, client_for):
    audit_record(action=AuditEvent.Action.LOGIN, actor=world.member, summary="=HYPERLINK(1)")
    audit_record(
        action=AuditEvent.Action.USER_DEACTIVATED,
        actor=world.secretariat,
        target_user=world.member,
        detail={"reason": "@SUM(A1)"},
        summary="+1",
    )
    rows = _csv(client_for(world.secretariat).get(reverse("audit_log_csv")))
    cells = {cell for row in rows[1:] for cell in row}
    assert {"'=HYPERLINK(1)", "'@SUM(A1)", "'+1"} <= cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_the_csv_is_for_the_log_readers_only(world, client_for):
    for who in ("member", "focal_point", "observer"):
        response = client_for(getattr(world, who)).get(reverse("audit_log_csv"))
        assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="exported", scope="audit").exists()


def test_the_page_links_the_csv_with_its_filters(world, client_for):
    html = client_for(world.secretariat).get(reverse("audit_log"), {"action": "login"})
    assert f'href="{reverse("audit_log_csv")}?action=login" download' in html.content.decode()


def test_bad_filters_send_the_download_back_to_the_page(world, client_for):
    response = client_for(world.secretariat).get(reverse("audit_log_csv"), {"actor": "zz-nobody"})
    assert response.status_code == 302
    assert response.url == f"{reverse('audit_log')}?actor=zz-nobody"
