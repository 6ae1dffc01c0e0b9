"""Forms of scheduling polls: opening one (slots as wall-clock times in the organiser's zone)
and answering one (a yes / if need be / no per slot, each labelled in the reader's zone)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import TimeZoneField, offer_zones
from dialogues.models import PollAnswer, SchedulingPoll

SLOT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")


class PollOpenForm(forms.Form):
    slots = forms.CharField(
        label=_("Candidate slots"),
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "2026-03-31 09:00"}),
        help_text=_(
            "One start time a line, as YYYY-MM-DD HH:MM, in the time zone below. Everyone "
            "sees each slot in their own time zone."
        ),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=720, initial=120
    )
    time_zone = TimeZoneField(label=_("Time zone"))
    closes_on = forms.DateField(
        label=_("Answers close on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("At the end of that day, in the time zone above."),
    )
    answers_visible_to = forms.ChoiceField(
        label=_("Who sees the answers"),
        choices=SchedulingPoll.AnswersVisibility.choices,
        initial=SchedulingPoll.AnswersVisibility.ROSTER,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_zones(self, "time_zone")

    def clean_slots(self) -> list[datetime.datetime]:
        starts = []
        for line in self.cleaned_data["slots"].splitlines():
            line = line.strip()
            if not line:
                continue
            for pattern in SLOT_FORMATS:
                try:
                    starts.append(datetime.datetime.strptime(line, pattern))
                    break
                except ValueError:
                    continue
            else:
                raise forms.ValidationError(
                    _("“%(line)s” is not a time as YYYY-MM-DD HH:MM."), params={"line": line}
                )
        if not starts:
            raise forms.ValidationError(_("Give at least one candidate slot."))
        return starts


def _slot_label(local) -> str:
    start = date_format(local.starts, "SHORT_DATETIME_FORMAT")
    end = date_format(local.ends, "TIME_FORMAT")
    label = f"{start}–{end}"
    if local.is_night:
        label += " · " + ngettext(
            "night: %(minutes)s minute between 22:00 and 07:00",
            "night: %(minutes)s minutes between 22:00 and 07:00",
            local.night_minutes,
        ) % {"minutes": local.night_minutes}
    return label


class PollAnswerForm(forms.Form):
    """One radio group per slot (blank: no answer). Labels: the slot in the reader's zone."""

    def __init__(self, *args, rows=(), for_jurisdiction_offered=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        choices = [("", _("No answer"))] + list(PollAnswer.Choice.choices)
        for row in self.rows:
            help_text = ""
            if row.counts:
                help_text = _("Answers so far: yes %(yes)s, if need be %(maybe)s, no %(no)s") % {
                    "yes": row.counts.get("yes", 0),
                    "maybe": row.counts.get("maybe", 0),
                    "no": row.counts.get("no", 0),
                }
            self.fields[f"slot-{row.local.slot.pk}"] = forms.ChoiceField(
                label=_slot_label(row.local),
                choices=choices,
                required=False,
                initial=row.my_choice,
                widget=forms.RadioSelect,
                help_text=help_text,
            )
        if for_jurisdiction_offered:
            self.fields["for_jurisdiction"] = forms.BooleanField(
                label=_("I answer for my jurisdiction"),
                required=False,
                help_text=_("As its focal point: one answer stands for every colleague."),
            )

    def choices_by_slot(self) -> dict[int, str]:
        return {
            row.local.slot.pk: self.cleaned_data[f"slot-{row.local.slot.pk}"] for row in self.rows
        }
