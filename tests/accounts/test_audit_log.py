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


def _events(world, count: int, *, same_time_every: int = 1, actor=None) -> None:
    """`count` exports, ev-0 the oldest, `same_time_every` of them sharing each timestamp."""
    import datetime

    from django.utils import timezone

    start = timezone.now() - datetime.timedelta(days=1)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action="exported",
            actor=actor or world.member,
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
    _events(world, 10)
    few = [all_pages({}), all_pages({"actor": world.member.email})]
    _events(world, 200)
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
