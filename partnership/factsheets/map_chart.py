"""The world map of emissions trading systems, coloured by implementation status, drawn on the
server as SVG (pygal's world map) and shown as an image, so the page's strict CSP holds. The
page puts the same facts in a table beside it (`map_rows`): the map never says more than it.

A national or supranational system colours its countries; a subnational system is listed under
its country, which is coloured "subnational systems" unless a national one colours it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from pygal_maps_world.maps import COUNTRIES, World

from accounts.models import Jurisdiction
from core.charts import chart_style, svg_without_script
from partnership.factsheets import schema

STATUS = schema.BY_KEY["status"]
# In force, under development, under consideration, subnational systems only.
STYLE = chart_style(
    ("#1d4ed8", "#b45309", "#7c3aed", "#047857"), legend_font_size=13, title_font_size=15
)


@dataclass
class CountryRow:
    code: str
    name: str
    status: str  # a status key, or "subnational"
    systems: list[str] = field(default_factory=list)  # national or supranational systems
    subnational: list[tuple[str, str]] = field(default_factory=list)  # (name, status label)

    @property
    def status_label(self) -> str:
        if self.status == "subnational":
            return _("Subnational systems")
        return STATUS.choice_label(self.status)


def map_rows(rows) -> list[CountryRow]:
    """Countries on the map with their colour, systems and subnational systems, from the
    listing the reader already reads (approved values, fields as the reader may see them)."""
    countries: dict[str, CountryRow] = {}
    for row in rows:
        status = row.values.get("status")
        factsheet = row.factsheet
        if not status or factsheet is None:
            continue
        for code in factsheet.country_codes:
            if code not in COUNTRIES:
                continue
            country = countries.setdefault(code, CountryRow(code, str(COUNTRIES[code]), ""))
            if row.jurisdiction.level == Jurisdiction.Level.SUBNATIONAL:
                country.subnational.append((row.jurisdiction.name, STATUS.choice_label(status)))
                country.status = country.status or "subnational"
            else:
                country.systems.append(row.jurisdiction.name)
                country.status = _stronger(country.status, status)
    return sorted(countries.values(), key=lambda c: c.name)


def _stronger(current: str, new: str) -> str:
    order = [key for key, _label in schema.STATUS_CHOICES]
    if current in ("", "subnational"):
        return new
    return min(current, new, key=order.index)


def render(countries: list[CountryRow]) -> str:
    chart = World(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=960,
        height=500,
        legend_at_bottom=True,
        title=_("Emissions trading systems by status"),
    )
    groups = [(key, STATUS.choice_label(key)) for key, _label in schema.STATUS_CHOICES]
    groups.append(("subnational", _("Subnational systems")))
    for key, label in groups:
        chart.add(label, {c.code: 1 for c in countries if c.status == key})
    return svg_without_script(chart)
