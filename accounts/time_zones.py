"""The time zones a reader may choose: current canonical IANA names, grouped by region.

`zoneinfo.available_timezones()` holds ~600 names, a third of them legacy aliases kept for
old data (`Asia/Calcutta`, `America/Atka`, `US/Pacific`). People choose from the zones of the
IANA `zone.tab` (one line per zone still in use in each country, with today's names) plus UTC.
The aliases of `tzdata.zi` map an older stored name to the zone people now choose instead.
Both files ship with the `tzdata` package and with the system's zoneinfo directory.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import importlib.resources
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _

UTC_NAME = "UTC"
# How alike an old name and a current one must be to be the same place (Asmera/Asmara: 0.83).
SPELLING_SIMILARITY = 0.8
# The names of UTC itself, which zone.tab does not list: all of them read as plain UTC.
_UTC_ALIASES = {"Etc/UTC", "Etc/UCT", "Etc/GMT", "Etc/Universal", "Etc/Zulu", "Etc/Greenwich"}

REGION_LABELS = {
    "Africa": _("Africa"),
    "America": _("Americas"),
    "Antarctica": _("Antarctica"),
    "Arctic": _("Arctic"),
    "Asia": _("Asia"),
    "Atlantic": _("Atlantic Ocean"),
    "Australia": _("Australia"),
    "Europe": _("Europe"),
    "Indian": _("Indian Ocean"),
    "Pacific": _("Pacific"),
}


@dataclass(frozen=True)
class Zone:
    name: str  # "America/Argentina/Buenos_Aires"
    region: str  # "America"
    city: str  # "Buenos Aires, Argentina"
    aliases: tuple[str, ...]  # older names that now mean this zone


def _read_data_file(filename: str) -> str | None:
    """A tz database file from the tzdata package, else from the system's zoneinfo directory."""
    try:
        resource = importlib.resources.files("tzdata.zoneinfo").joinpath(filename)
        if resource.is_file():
            return resource.read_text(encoding="utf-8")
    except ModuleNotFoundError:
        pass
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / filename
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


def _zone_tab_names(text: str) -> set[str]:
    return {
        line.split("\t")[2]
        for line in text.splitlines()
        if line and not line.startswith("#") and line.count("\t") >= 2
    }


def _links(text: str) -> dict[str, str]:
    """alias -> target, from tzdata.zi's `L target alias` lines."""
    links = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L":
            links[parts[2]] = parts[1]
    return links


def _city(name: str) -> str:
    """The place a zone is named after: Europe/Berlin -> Berlin, America/Indiana/Knox ->
    Knox, Indiana."""
    parts = [part.replace("_", " ") for part in name.split("/")[1:]]
    return ", ".join(reversed(parts))


def _closest(alias: str, candidates: list[str], clock: str) -> str:
    """The offered name an old spelling stands for: Africa/Asmera -> Africa/Asmara (the same
    place), not Africa/Nairobi (the same clock); otherwise the zone whose clock it keeps."""
    city = alias.rsplit("/", 1)[-1]
    scored = [
        (difflib.SequenceMatcher(None, city, name.rsplit("/", 1)[-1]).ratio(), name)
        for name in candidates
    ]
    score, best = max(scored)
    if score >= SPELLING_SIMILARITY:
        return best
    return clock if clock in candidates else min(candidates)


@functools.cache
def _catalogue() -> tuple[dict[str, Zone], dict[str, str]]:
    """(offered zones by name, alias -> offered name). Read once per process."""
    available = zoneinfo.available_timezones()
    zone_tab = _read_data_file("zone.tab")
    if zone_tab:
        names = _zone_tab_names(zone_tab) & available
    else:  # No tz database files at all: every regional name, aliases included.
        names = {name for name in available if name.split("/")[0] in REGION_LABELS}
    names = {name for name in names if name.split("/")[0] in REGION_LABELS}

    links = _links(_read_data_file("tzdata.zi") or "")

    def resolve(name: str) -> str:
        for _hop in range(5):  # links may point at links; the chain is short
            if name not in links:
                break
            name = links[name]
        return name

    # Offered names by the zone whose clock they keep (Africa/Asmara keeps Africa/Nairobi's).
    by_clock: dict[str, list[str]] = defaultdict(list)
    for name in names:
        by_clock[resolve(name)].append(name)
    aliases: dict[str, str] = {}
    for alias in links:
        if alias in names:
            continue
        clock = resolve(alias)
        if clock in _UTC_ALIASES or alias in _UTC_ALIASES:
            aliases[alias] = UTC_NAME
        elif by_clock.get(clock):
            aliases[alias] = _closest(alias, by_clock[clock], clock)
    for alias in _UTC_ALIASES:
        aliases.setdefault(alias, UTC_NAME)
    aliases.pop(UTC_NAME, None)

    by_target: dict[str, list[str]] = defaultdict(list)
    for alias, target in aliases.items():
        by_target[target].append(alias)
    zones = {
        name: Zone(
            name=name,
            region=name.split("/")[0],
            city=_city(name),
            aliases=tuple(sorted(by_target[name])),
        )
        for name in names
    }
    return zones, aliases


def offered_names() -> set[str]:
    """Every zone a reader may choose (UTC included)."""
    return set(_catalogue()[0]) | {UTC_NAME}


def aliases_of(name: str) -> tuple[str, ...]:
    """Older names that now mean `name` (what some browsers still report)."""
    zones, aliases = _catalogue()
    if name == UTC_NAME:
        return tuple(sorted(alias for alias, target in aliases.items() if target == UTC_NAME))
    zone = zones.get(name)
    return zone.aliases if zone else ()


def canonical(name: str | None) -> str | None:
    """The offered zone a stored name stands for (`Asia/Calcutta` -> `Asia/Kolkata`), or None."""
    if not name:
        return None
    zones, aliases = _catalogue()
    if name in zones or name == UTC_NAME:
        return name
    return aliases.get(name)


def utc_offset_label(name: str, at: datetime.datetime) -> str:
    """The zone's offset at the instant `at`, as UTC+01:00 (it changes with summer time)."""
    offset = at.astimezone(zoneinfo.ZoneInfo(name)).utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def zone_label(name: str, at: datetime.datetime) -> str:
    """The option's text: Berlin (UTC+01:00); Coordinated Universal Time (UTC) for UTC."""
    if name == UTC_NAME:
        return str(_("Coordinated Universal Time (UTC)"))
    zone = _catalogue()[0].get(name)
    city = zone.city if zone else name.replace("_", " ")
    return f"{city} ({utc_offset_label(name, at)})"


def _options(names: Iterable[str], at: datetime.datetime) -> list[tuple[str, str]]:
    return [(name, zone_label(name, at)) for name in names]


def zone_choices(
    *, current: str | None = None, at: datetime.datetime | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a <select>: the reader's current zone first, then each region's
    zones by city, then UTC (and, under "Other", a current name that is neither offered nor an
    alias of an offered zone, so that a reader who has one can still save the form).
    """
    at = at or datetime.datetime.now(datetime.UTC)
    zones, _aliases = _catalogue()
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    mapped = canonical(current)
    if mapped:
        groups.append((str(_("Your current zone")), _options([mapped], at)))
    by_region: dict[str, list[Zone]] = defaultdict(list)
    for zone in zones.values():
        by_region[zone.region].append(zone)
    for region, label in sorted(REGION_LABELS.items(), key=lambda item: str(item[1])):
        members = sorted(by_region.get(region, []), key=lambda zone: zone.city.casefold())
        if members:
            groups.append((str(label), _options((zone.name for zone in members), at)))
    other = [UTC_NAME]
    if current and not mapped and current in zoneinfo.available_timezones():
        other.append(current)
    groups.append((str(_("Other")), _options(other, at)))
    return groups
