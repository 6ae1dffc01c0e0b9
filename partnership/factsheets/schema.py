"""The factsheet's fields: what each one holds, how a form asks for it, how a page shows it.

Values are stored as JSON: text as strings, years and percentages as numbers, prices as decimal
strings, dates as ISO strings, choices as their keys, several choices as lists, sources as a
list of {"title", "url"}. `clean_values` is the one gate every stored value passes (the form
uses it, and so does the service), so a version never holds a value its field could not show.
"""

from __future__ import annotations

import datetime
import decimal
import difflib
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.markup import render_markdown

STATUS_IN_FORCE = "in_force"
STATUS_CHOICES = (
    (STATUS_IN_FORCE, gettext_lazy("In force")),
    ("under_development", gettext_lazy("Under development")),
    ("under_consideration", gettext_lazy("Under consideration")),
)
SECTOR_CHOICES = (
    ("power", gettext_lazy("Power")),
    ("industry", gettext_lazy("Industry")),
    ("buildings", gettext_lazy("Buildings")),
    ("transport", gettext_lazy("Transport")),
    ("domestic_aviation", gettext_lazy("Domestic aviation")),
    ("international_aviation", gettext_lazy("International aviation")),
    ("maritime", gettext_lazy("Maritime")),
    ("waste", gettext_lazy("Waste")),
    ("forestry", gettext_lazy("Forestry")),
    ("agriculture", gettext_lazy("Agriculture")),
)
GAS_CHOICES = tuple(
    (gas, gas) for gas in ("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3")
)  # fmt: skip
YES_NO = (("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No")))
PRICE_KIND_CHOICES = (
    ("auction", gettext_lazy("Auction")),
    ("secondary", gettext_lazy("Secondary market")),
)

MAX_TEXT = 300
MAX_LONG = 2_000
MAX_MARKDOWN = 20_000
MAX_SOURCES = 30


@dataclass(frozen=True)
class Field:
    key: str
    label: Promise
    # choice | multi | year | percent | price | date | currency | text | long | markdown |
    # yesno | links
    kind: str
    choices: tuple = field(default=())
    help: Promise | str = ""

    def choice_label(self, value: str) -> str:
        return str(dict(self.choices).get(value, value))


FIELDS: tuple[Field, ...] = (
    Field("status", gettext_lazy("Implementation status"), "choice", STATUS_CHOICES),
    Field("start_year", gettext_lazy("Start year"), "year"),
    Field("cap", gettext_lazy("Cap"), "text", help=gettext_lazy("e.g. 1,386 MtCO2e in 2024")),
    Field("cap_trajectory", gettext_lazy("Cap trajectory"), "long"),
    Field("sectors", gettext_lazy("Covered sectors"), "multi", SECTOR_CHOICES),
    Field("gases", gettext_lazy("Covered gases"), "multi", GAS_CHOICES),
    Field("coverage_share", gettext_lazy("Share of emissions covered (%)"), "percent"),
    Field("allocation", gettext_lazy("Allocation method"), "long"),
    Field("price_mechanisms", gettext_lazy("Price-stability mechanisms"), "long"),
    Field("domestic_offsets", gettext_lazy("Allows domestic offsets"), "yesno", YES_NO),
    Field("international_offsets", gettext_lazy("Allows international offsets"), "yesno", YES_NO),
    Field("offset_rules", gettext_lazy("Offset rules"), "long"),
    Field("linking", gettext_lazy("Linking with other systems"), "long"),
    Field("price", gettext_lazy("Latest price"), "price"),
    Field("price_currency", gettext_lazy("Price currency"), "currency", help="EUR, USD, NZD, KRW…"),
    Field("price_date", gettext_lazy("Price date"), "date"),
    Field("price_kind", gettext_lazy("Price from"), "choice", PRICE_KIND_CHOICES),
    Field("summary", gettext_lazy("Summary"), "markdown"),
    Field(
        "sources",
        gettext_lazy("Sources"),
        "links",
        help=gettext_lazy("One source a line: a title, a vertical bar, then its address."),
    ),
)
BY_KEY = {spec.key: spec for spec in FIELDS}


# ------------------------------------------------------------------------------
# Forms
# ------------------------------------------------------------------------------


def form_field(spec: Field) -> forms.Field:
    common = {"label": spec.label, "required": False, "help_text": spec.help}
    if spec.kind == "choice":
        return forms.ChoiceField(choices=(("", "—"), *spec.choices), **common)
    if spec.kind == "yesno":
        return forms.ChoiceField(choices=(("", "—"), *spec.choices), **common)
    if spec.kind == "multi":
        return forms.MultipleChoiceField(
            choices=spec.choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if spec.kind == "year":
        return forms.IntegerField(min_value=1990, max_value=2100, **common)
    if spec.kind == "percent":
        return forms.DecimalField(min_value=0, max_value=100, decimal_places=1, **common)
    if spec.kind == "price":
        return forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, **common)
    if spec.kind == "date":
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        return forms.DateField(widget=widget, **common)
    if spec.kind == "currency":
        return forms.RegexField(
            regex=r"^[A-Za-z]{3}$",
            max_length=3,
            error_messages={"invalid": _("Give a three-letter currency code, such as EUR.")},
            **common,
        )
    if spec.kind == "text":
        return forms.CharField(max_length=MAX_TEXT, **common)
    if spec.kind == "long":
        return forms.CharField(
            max_length=MAX_LONG, widget=forms.Textarea(attrs={"rows": 3}), **common
        )
    if spec.kind == "markdown":
        return forms.CharField(
            max_length=MAX_MARKDOWN, widget=forms.Textarea(attrs={"rows": 8}), **common
        )
    if spec.kind == "links":
        return forms.CharField(
            max_length=MAX_LONG, widget=forms.Textarea(attrs={"rows": 4}), **common
        )
    raise ValueError(spec.kind)


def form_initial(values: dict[str, Any]) -> dict[str, Any]:
    """A stored version's values as a form's initial data."""
    initial: dict[str, Any] = {}
    for spec in FIELDS:
        value = values.get(spec.key)
        if value in (None, "", []):
            continue
        if spec.kind == "date":
            initial[spec.key] = datetime.date.fromisoformat(value)
        elif spec.kind == "links":
            initial[spec.key] = "\n".join(f"{item['title']} | {item['url']}" for item in value)
        else:
            initial[spec.key] = value
    return initial


def _links(text: str) -> list[dict[str, str]]:
    found = []
    check = URLValidator(schemes=["http", "https"])
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        title, bar, url = line.rpartition("|")
        if not bar:
            title, url = line, line
        title, url = title.strip() or url.strip(), url.strip()
        try:
            check(url)
        except ValidationError:
            raise ValidationError(
                _("“%(line)s” is not a title and an http(s) address.") % {"line": line[:80]}
            ) from None
        found.append({"title": title[:MAX_TEXT], "url": url})
    if len(found) > MAX_SOURCES:
        raise ValidationError(_("Give at most 30 sources."))
    return found


def clean_values(data: dict[str, Any]) -> dict[str, Any]:
    """Form-cleaned data (or already stored values) as the JSON a version stores; raises
    ValidationError on anything a field cannot hold. Unknown keys are refused."""
    unknown = set(data) - set(BY_KEY)
    if unknown:
        raise ValidationError(_("A factsheet has no field %(key)s.") % {"key": sorted(unknown)[0]})
    values: dict[str, Any] = {}
    for key, value in data.items():
        spec = BY_KEY[key]
        if value in (None, "", [], ()):
            continue
        try:
            stored = _stored(spec, value)
        except (TypeError, ValueError, decimal.InvalidOperation):
            raise ValidationError(
                _("%(field)s: this value does not fit.") % {"field": spec.label}
            ) from None
        if stored not in (None, "", []):  # sources that were only blank lines, say
            values[key] = stored
    return values


def _stored(spec: Field, value: Any) -> Any:
    keys = {key for key, _label in spec.choices}
    if spec.kind in ("choice", "yesno"):
        if value not in keys:
            raise ValueError(value)
        return value
    if spec.kind == "multi":
        chosen = [item for item in value]
        if not set(chosen) <= keys:
            raise ValueError(value)
        return [key for key, _label in spec.choices if key in chosen]  # the schema's order
    if spec.kind == "year":
        year = int(value)
        if not 1990 <= year <= 2100:
            raise ValueError(value)
        return year
    if spec.kind in ("percent", "price"):
        number = decimal.Decimal(str(value))
        if not number.is_finite() or number < 0 or (spec.kind == "percent" and number > 100):
            raise ValueError(value)
        return str(number.quantize(decimal.Decimal("0.1" if spec.kind == "percent" else "0.01")))
    if spec.kind == "date":
        if isinstance(value, datetime.date):
            return value.isoformat()
        return datetime.date.fromisoformat(value).isoformat()
    if spec.kind == "currency":
        text = str(value).strip().upper()
        if len(text) != 3 or not text.isalpha():
            raise ValueError(value)
        return text
    if spec.kind in ("text", "long", "markdown"):
        limit = {"text": MAX_TEXT, "long": MAX_LONG, "markdown": MAX_MARKDOWN}[spec.kind]
        text = str(value).strip()
        if len(text) > limit:
            raise ValueError(value)
        return text
    if spec.kind == "links":
        if isinstance(value, list):
            value = "\n".join(f"{item['title']} | {item['url']}" for item in value)
        return _links(str(value)) or None
    raise ValueError(spec.kind)


# ------------------------------------------------------------------------------
# Showing values
# ------------------------------------------------------------------------------


def as_text(spec: Field, value: Any) -> str:
    """A value in words, for tables, CSV cells and comparisons ("" when empty)."""
    if value in (None, "", []):
        return ""
    if spec.kind in ("choice", "yesno"):
        return spec.choice_label(value)
    if spec.kind == "multi":
        return ", ".join(spec.choice_label(item) for item in value)
    if spec.kind == "date":
        return date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
    if spec.kind == "links":
        return "; ".join(f"{item['title']} ({item['url']})" for item in value)
    if spec.kind == "percent":
        return f"{value} %"
    return str(value)


def rendered(values: dict[str, Any]) -> dict[str, str]:
    """The Markdown fields of `values` as sanitised HTML, made once when a version is saved."""
    return {
        spec.key: render_markdown(values[spec.key])
        for spec in FIELDS
        if spec.kind == "markdown" and values.get(spec.key)
    }


def as_html(spec: Field, value: Any, html: dict[str, str]) -> SafeString:
    """A value for a page: a Markdown field as the version's stored, sanitised HTML (`html`,
    its `rendered`), sources as links, the rest escaped text."""
    if value in (None, "", []):
        return format_html('<span class="text-muted">{}</span>', "—")
    if spec.kind == "markdown":
        return mark_safe(html.get(spec.key, ""))  # noqa: S308 - sanitised when saved
    if spec.kind == "links":
        items = format_html_join(
            "",
            '<li><a href="{}" rel="noopener noreferrer">{}</a></li>',
            ((item["url"], item["title"]) for item in value),
        )
        return format_html('<ul class="plain-list">{}</ul>', items)
    return escape(as_text(spec, value))


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [spec.key for spec in FIELDS if old.get(spec.key) != new.get(spec.key)]


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(operation, text) pieces from `old` to `new` word by word: "same", "removed", "added"."""
    before, after = old.split(" "), new.split(" ")
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("same", " ".join(before[a1:a2])))
            continue
        if a2 > a1:
            pieces.append(("removed", " ".join(before[a1:a2])))
        if b2 > b1:
            pieces.append(("added", " ".join(after[b1:b2])))
    return pieces
