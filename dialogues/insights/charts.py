"""The Insights page's charts as SVG drawn on the server with pygal.

Each chart is its own image (`<img>` on the page, the data table beside it), so the page's
strict CSP holds: an SVG shown as an image runs nothing and loads nothing. pygal writes a small
configuration script into every chart for its optional tooltips; it is cut out here all the
same, and the response forbids scripts outright (views.py).
"""

from __future__ import annotations

import pygal
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.charts import chart_style, svg_without_script
from dialogues.insights.figures import Insights

STYLE = chart_style(
    ("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f"),
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    title_font_size=15,
)

CHARTS = ("activity", "grid", "attendance")


def _config() -> dict:
    return {
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "width": 800,
        "height": 380,
        "legend_at_bottom": True,
        "truncate_legend": 40,
        "truncate_label": 24,
        "x_label_rotation": 30,
        "print_values": False,
        "show_minor_x_labels": True,
        "no_data_text": _("No activity in this period"),
    }


def chart_svg(name: str, figures: Insights) -> str:
    """One chart of the page as SVG text (no script)."""
    chart = {"activity": _activity, "grid": _grid, "attendance": _attendance}[name](figures)
    return svg_without_script(chart)


def _activity(figures: Insights):
    chart = pygal.Line(**_config(), title=_("Posts and chat messages per month, by dialogue"))
    chart.x_labels = [date_format(month, "YEAR_MONTH_FORMAT") for month in figures.months]
    for title, values in figures.activity:
        chart.add(title, values)
    return chart


def _grid(figures: Insights):
    chart = pygal.Dot(**_config(), title=_("Activity by jurisdiction and dialogue"))
    chart.x_labels = figures.grid_columns
    for name, values in figures.grid:
        if any(values):
            chart.add(name, values)
    return chart


def _attendance(figures: Insights):
    chart = pygal.Bar(**_config(), title=_("Attendance per session"))
    chart.x_labels = [
        f"{date_format(row.starts_at, 'SHORT_DATE_FORMAT')} {row.label}".strip()
        for row in figures.sessions
    ]
    chart.add(_("People"), [row.people for row in figures.sessions])
    chart.add(_("Jurisdictions"), [row.jurisdictions for row in figures.sessions])
    return chart
