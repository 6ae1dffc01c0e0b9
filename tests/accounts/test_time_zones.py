"""The profile's time zones: canonical names only, grouped by region, with today's UTC offset."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse

from accounts import time_zones
from accounts.forms import ProfileForm

WINTER = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=datetime.UTC)
SUMMER = datetime.datetime(2026, 7, 15, 12, 0, tzinfo=datetime.UTC)
LEGACY = ["Africa/Asmera", "America/Atka", "Asia/Calcutta", "US/Pacific", "Europe/Kiev", "GMT"]


def _values(groups) -> list[str]:
    return [value for _label, options in groups for value, _text in options]


def test_only_canonical_zones_are_offered():
    offered = set(_values(time_zones.zone_choices(at=WINTER)))
    assert offered == time_zones.offered_names()
    assert 300 < len(offered) < 500  # not the ~600 names of available_timezones()
    assert not offered & set(LEGACY)
    assert {"Europe/Berlin", "Asia/Kolkata", "America/Adak", "Africa/Asmara", "UTC"} <= offered
    assert offered <= zoneinfo.available_timezones()


def test_zones_are_grouped_by_region_and_sorted_by_city():
    groups = dict(time_zones.zone_choices(at=WINTER))
    assert list(groups)[-1] == "Other" and _values([("Other", groups["Other"])]) == ["UTC"]
    for region in ("Africa", "Americas", "Asia", "Australia", "Europe", "Pacific"):
        assert region in groups
    assert all(value.startswith("Europe/") for value, _ in groups["Europe"])
    assert all(value.startswith("America/") for value, _ in groups["Americas"])
    cities = [text.rsplit(" (", 1)[0].casefold() for _, text in groups["Asia"]]
    assert cities == sorted(cities)
    assert ("America/Argentina/Buenos_Aires", "Buenos Aires, Argentina (UTC-03:00)") in groups[
        "Americas"
    ]


def test_labels_carry_the_current_utc_offset():
    winter = dict(time_zones.zone_choices(at=WINTER))["Europe"]
    summer = dict(time_zones.zone_choices(at=SUMMER))["Europe"]
    assert ("Europe/Berlin", "Berlin (UTC+01:00)") in winter
    assert ("Europe/Berlin", "Berlin (UTC+02:00)") in summer
    asia = dict(time_zones.zone_choices(at=WINTER))["Asia"]
    assert ("Asia/Kolkata", "Kolkata (UTC+05:30)") in asia
    americas = dict(time_zones.zone_choices(at=WINTER))["Americas"]
    assert ("America/St_Johns", "St Johns (UTC-03:30)") in americas
    for _label, options in time_zones.zone_choices():
        for _value, text in options:
            assert re.search(r"\(UTC([+-]\d\d:\d\d)?\)$", text), text


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("America/Atka", "America/Adak"),
        ("Africa/Asmera", "Africa/Asmara"),
        ("US/Pacific", "America/Los_Angeles"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("GMT", "UTC"),
        ("Etc/UTC", "UTC"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("Mars/Olympus", None),
    ],
)
def test_older_names_stand_for_their_current_zone(old, new):
    assert time_zones.canonical(old) == new


def test_the_readers_zone_comes_first():
    groups = time_zones.zone_choices(current="Asia/Calcutta", at=WINTER)
    assert groups[0] == ("Your current zone", [("Asia/Kolkata", "Kolkata (UTC+05:30)")])
    assert time_zones.zone_choices(at=WINTER)[0][0] == "Africa"


def test_form_offers_the_groups_and_the_older_names_for_the_filter():
    html = str(ProfileForm(initial={"full_name": "A", "timezone": "Europe/Berlin"})["timezone"])
    assert html.count("<optgroup") == len(time_zones.zone_choices(current="Europe/Berlin"))
    assert '<optgroup label="Your current zone">' in html
    assert re.search(r'<option value="Asia/Kolkata" data-aliases="Asia/Calcutta">', html)
    assert html.count("selected") == 1  # the zone is in two groups, selected once
    assert "Asia/Calcutta</option>" not in html and 'value="America/Atka"' not in html


def test_form_refuses_zones_it_does_not_offer():
    form = ProfileForm(
        {"full_name": "A", "timezone": "Etc/GMT+5"}, initial={"timezone": "Europe/Berlin"}
    )
    assert not form.is_valid() and "timezone" in form.errors


def test_profile_saves_a_chosen_zone_as_offered(world, client_for):
    client = client_for(world.member)
    response = client.post(
        reverse("profile"), {"full_name": "Camille", "timezone": "America/Argentina/Salta"}
    )
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert world.member.timezone == "America/Argentina/Salta"


def test_an_official_with_an_alias_zone_sees_and_saves_its_current_name(world, client_for):
    world.member.timezone = "Asia/Calcutta"
    world.member.save()
    client = client_for(world.member)
    html = client.get(reverse("profile")).content.decode()
    assert re.search(r'<option value="Asia/Kolkata" selected[^>]*>Kolkata \(UTC\+05:30\)', html)
    # The page sends back what it shows; an older form may still send the alias: both save.
    for sent in ("Asia/Kolkata", "Asia/Calcutta"):
        world.member.timezone = "Asia/Calcutta"
        world.member.save()
        response = client.post(reverse("profile"), {"full_name": "Priya", "timezone": sent})
        assert response.status_code == 302
        world.member.refresh_from_db()
        assert world.member.timezone == "Asia/Kolkata"


def test_an_official_with_an_unlisted_zone_can_still_save_the_form(world, client_for):
    world.member.timezone = "Etc/GMT+5"
    world.member.save()
    client = client_for(world.member)
    html = client.get(reverse("profile")).content.decode()
    assert re.search(r'<option value="Etc/GMT\+5" selected>', html)
    response = client.post(reverse("profile"), {"full_name": "Sam", "timezone": "Etc/GMT+5"})
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert world.member.timezone == "Etc/GMT+5" and world.member.full_name == "Sam"


def test_profile_page_has_the_city_filter_for_the_script(world, client_for):
    html = client_for(world.member).get(reverse("profile")).content.decode()
    assert "js/time_zone.js" in html
    assert re.search(r'<div class="field zone-finder" data-zone-finder hidden>', html)
    assert 'for="zone-filter"' in html and 'id="zone-filter"' in html
