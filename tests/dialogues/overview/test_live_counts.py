"""The live counts' endpoint (the poll of pages without a socket): signed in only; the bell's
count from the bell's own selector, so only what the reader may see; with `?workspaces=1` the
dashboard's unread badges; every answer is out-of-band swaps for badges the layout always has."""

import re

from django.urls import reverse

from dialogues.models import Notification
from dialogues.notifications.selectors import unread_notification_count
from dialogues.threads import services as thread_services

URL = "/live/counts/"


def _bell(html: str) -> str:
    return re.search(r'<span class="nav-count" data-nav-count="(\d+)"', html).group(1)


def test_the_route_and_its_rule():
    from config.route_rules import SIGNED_IN, rule_for

    assert reverse("live_counts") == URL
    assert rule_for("live_counts") == SIGNED_IN


def test_signed_out_it_sends_to_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_bell_count_as_an_out_of_band_swap(world, dialogue, client_for):
    client = client_for(world.member)
    client.post(reverse("notifications_read"))
    html = client.get(URL).content.decode()
    assert _bell(html) == "0"
    assert 'data-hx-swap-oob="outerHTML:[data-nav-count]"' in html
    assert " hidden>" in html  # nothing unread: the badge is there, hidden
    thread_services.post_reply(
        actor=world.focal_point, thread=dialogue.public_thread, body=f"@{world.member.handle} see"
    )
    html = client.get(URL).content.decode()
    assert _bell(html) == "1" == str(unread_notification_count(user=world.member))
    assert 'data-announce="1 unread notification"' in html
    assert " hidden>" not in html
    assert "unread-threads-" not in html  # the dashboard's badges only when asked


def test_counts_only_what_the_reader_may_still_see(world, dialogue, client_for):
    """A notification about a thread the reader can no longer see is not counted (the bell's
    own selector filters it), whatever the table holds."""
    client = client_for(world.observer)
    before = _bell(client.get(URL).content.decode())
    Notification.objects.create(
        recipient=world.observer,
        kind=Notification.Kind.MENTION,
        actor=world.member,
        workspace=dialogue.offsets,
        thread=dialogue.members_thread,
    )
    assert _bell(client.get(URL).content.decode()) == before


def test_the_dashboard_badges_on_request(world, dialogue, client_for):
    client = client_for(world.member)
    html = client.get(URL, {"workspaces": "1"}).content.decode()
    badge = f'id="unread-threads-{dialogue.offsets.pk}"'
    assert badge in html and 'data-hx-swap-oob="true"' in html
    assert "1 unread thread" in html  # the observer's reply the member has not read
    # Only the reader's dialogues: New Zealand's is not the EU official's.
    assert f'id="unread-threads-{dialogue.closed.pk}"' not in html
    # The dashboard has the same badge (by id) for the swap to land on, and asks for them.
    home = client.get(reverse("home")).content.decode()
    assert badge in home
    assert f'data-hx-get="{URL}?workspaces=1"' in home


def test_every_page_polls_and_announces_politely(world, dialogue, client_for):
    page = client_for(world.member).get(reverse("notifications")).content.decode()
    assert f'data-hx-get="{URL}"' in page
    assert 'data-hx-trigger="every 30s, countsrefresh"' in page
    assert 'aria-live="polite"' in page
    assert " hx-" not in page  # data-hx-* only
