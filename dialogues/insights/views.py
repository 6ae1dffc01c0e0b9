"""The Insights page: participation in figures, its charts as images and its tables as CSV.

Open to whoever `insights_scope` gives a dialogue (Co-Chairs, the Secretariat, focal points,
facilitators); to anyone else it does not exist (404)."""

from __future__ import annotations

import csv
import datetime
import secrets

from django import forms
from django.core.cache import caches
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from core.days import end_of_day
from core.spreadsheets import neutralised
from dialogues.insights.charts import CHARTS, chart_svg
from dialogues.insights.figures import METRICS, Insights, Period, insights
from workspaces.access import insights_scope, may_read_insights
from workspaces.models import Workspace

MAX_DAYS = 3 * 366
# How long a page view's figures serve its charts (the images load right after the page).
FIGURES_KEPT_SECONDS = 300

METRIC_LABELS = {
    "threads": gettext_lazy("Threads started"),
    "replies": gettext_lazy("Replies"),
    "messages": gettext_lazy("Chat messages"),
    "attendances": gettext_lazy("Session attendances"),
    "documents": gettext_lazy("Documents shared"),
    "downloads": gettext_lazy("Downloads"),
}


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The period must end on or after its start."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(_("Choose a period of at most three years."))
        return data


def _period(request) -> tuple[PeriodForm, Period]:
    today = timezone.localdate()
    initial = {"start": today - datetime.timedelta(days=365), "end": today}
    form = PeriodForm(request.GET if "start" in request.GET else None, initial=initial)
    start, end = initial["start"], initial["end"]
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    zone = timezone.get_current_timezone()
    period = Period(
        start=datetime.datetime.combine(start, datetime.time(), tzinfo=zone),
        end=end_of_day(end, zone),
    )
    return form, period


def _dialogue(request) -> Workspace | None:
    """The one dialogue `?dialogue=<slug>` narrows the page to, if the reader may read its
    figures; a dialogue they may not is as missing as one that does not exist."""
    slug = request.GET.get("dialogue")
    if not slug:
        return None
    dialogue = Workspace.objects.filter(slug=slug).first()
    if dialogue is None or not insights_scope(request.user, [dialogue.pk]):
        raise Http404
    return dialogue


def _figures(request) -> tuple[PeriodForm, Insights, Workspace | None]:
    if not may_read_insights(request.user):
        raise Http404
    dialogue = _dialogue(request)
    form, period = _period(request)
    only = [dialogue.pk] if dialogue else None
    return form, insights(user=request.user, period=period, workspace_ids=only), dialogue


@require_GET
def insights_page(request):
    form, figures, dialogue = _figures(request)
    table = request.GET.get("csv")
    if table:
        return _csv(figures, table)
    # The charts of this page view draw these same figures: they are kept for the reader under
    # a one-time name the images carry, so a page view counts once, not once per chart.
    name = secrets.token_urlsafe(16)
    caches["insights"].set(_kept(request, name), figures, FIGURES_KEPT_SECONDS)
    query = request.GET.copy()
    query["figures"] = name
    context = {
        "form": form,
        "figures": figures,
        "dialogue": dialogue,
        "metrics": [(key, METRIC_LABELS[key]) for key in METRICS],
        "query": request.GET.urlencode(),
        "chart_query": query.urlencode(),
        "charts": CHARTS,
    }
    return render(request, "dialogues/insights/insights.html", context)


@require_GET
def insights_chart(request, name: str):
    if name not in CHARTS:
        raise Http404
    if not may_read_insights(request.user):
        raise Http404
    kept = request.GET.get("figures", "")
    figures = caches["insights"].get(_kept(request, kept)) if kept else None
    if figures is None:  # opened on its own, or after the page view's figures expired
        _form, figures, _only = _figures(request)
    response = HttpResponse(chart_svg(name, figures), content_type="image/svg+xml; charset=utf-8")
    # Opened on its own, the image still runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, no-store"
    return response


def _kept(request, name: str) -> str:
    """The cache key of a page view's figures: theirs alone (the reader's id is part of it)."""
    return f"{request.user.pk}:{name[:64]}"


def _csv(figures: Insights, table: str) -> HttpResponse:
    rows = _table(figures, table)
    if rows is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = date_format(figures.period.start, "Ymd")
    response["Content-Disposition"] = f'attachment; filename="insights-{table}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")  # Excel reads the file as UTF-8
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([neutralised(value) for value in row])
    return response


def _table(figures: Insights, table: str) -> list[list] | None:
    labels = [str(METRIC_LABELS[key]) for key in METRICS]
    if table in ("dialogues", "jurisdictions"):
        head = _("Dialogue") if table == "dialogues" else _("Jurisdiction")
        rows = getattr(figures, table)
        return [[head, *labels, _("Last activity")]] + [
            [
                row.label,
                *[row.counts[key] for key in METRICS],
                row.last_activity.isoformat() if row.last_activity else "",
            ]
            for row in rows
        ]
    if table == "grid":
        return [[_("Jurisdiction"), *figures.grid_columns]] + [
            [name, *values] for name, values in figures.grid
        ]
    if table == "activity":
        return [[_("Dialogue"), *[m.strftime("%Y-%m") for m in figures.months]]] + [
            [title, *values] for title, values in figures.activity
        ]
    if table == "attendance":
        return [[_("Session"), _("Dialogue"), _("Starts"), _("People"), _("Jurisdictions")]] + [
            [row.label, row.dialogue, row.starts_at.isoformat(), row.people, row.jurisdictions]
            for row in figures.sessions
        ]
    if table == "officials":
        return [[_("Jurisdiction"), _("Officials who took part"), _("Officials")]] + [
            list(row) for row in figures.officials
        ]
    return None
