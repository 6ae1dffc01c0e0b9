"""Forms for dialogue sessions: details, agenda, minutes, actions and review comments."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import TimeZoneField, offer_zones
from core.markup import BODY_HELP
from dialogues.models import MinutesComment
from workspaces.models import AttributionMode, Audience


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SessionForm(forms.Form):
    """Times are entered as wall-clock times in the session's time zone."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=BODY_HELP,
    )
    starts = forms.DateTimeField(
        label=_("Starts"),
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("In the session's time zone, below."),
    )
    ends = forms.DateTimeField(
        label=_("Ends"),
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    # The profile's list: current zones by region, with their offsets, the session's own first.
    time_zone = TimeZoneField(label=_("Time zone"))
    audience = forms.ChoiceField(label=_("Who may attend"), choices=Audience.choices)
    attribution = forms.ChoiceField(
        label=_("Attribution"),
        required=False,
        choices=[("", _("As the dialogue"))] + list(AttributionMode.choices),
        help_text=_("A session may be stricter than its dialogue, never looser."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_zones(self, "time_zone")

    def clean(self):
        import zoneinfo

        data = super().clean()
        name = data.get("time_zone")
        if name and data.get("starts") and data.get("ends"):
            zone = zoneinfo.ZoneInfo(name)
            # The form reads naive wall-clock times; place them in the session's zone.
            data["starts_at"] = data["starts"].replace(tzinfo=None).replace(tzinfo=zone)
            data["ends_at"] = data["ends"].replace(tzinfo=None).replace(tzinfo=zone)
        return data


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=720, initial=15
    )
    presenter = forms.TypedChoiceField(
        label=_("Presenter"), coerce=int, required=False, empty_value=None
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    documents = forms.TypedMultipleChoiceField(
        label=_("Pre-reads from the library"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, people=(), documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presenter"].choices = [("", _("No presenter"))] + [
            (p.pk, f"{p.full_name} ({p.affiliation})") for p in people
        ]
        self.fields["documents"].choices = [(d.pk, d.title) for d in documents]


class MinutesForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_(
            "What was discussed. Minutes name no one in Chatham House or anonymous "
            "dialogues: write “one participant”, “several jurisdictions”."
        ),
    )
    decisions = forms.CharField(
        label=_("Decisions"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Action"), max_length=500)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    due_date = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Choose an owner…"))] + [
            (p.pk, f"{p.full_name} ({p.affiliation})") for p in people
        ]


class ShareMinutesForm(forms.Form):
    review_until = forms.DateField(
        label=_("Comments close on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional. Until approval, if left empty."),
    )

    def clean_review_until(self):
        # The service refuses it too; said here, the error stands beside the date.
        until = self.cleaned_data["review_until"]
        if until is not None and until < timezone.localdate():
            raise forms.ValidationError(_("The review cannot close in the past."))
        return until


class MinutesCommentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type of comment"),
        choices=MinutesComment.Kind.choices,
        initial=MinutesComment.Kind.COMMENT,
        widget=forms.RadioSelect,
        help_text=_("A suggested correction asks for the minutes to change."),
    )
    item = forms.TypedChoiceField(label=_("About"), coerce=int, required=False, empty_value=None)
    body = forms.CharField(
        label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 4}), help_text=BODY_HELP
    )

    def __init__(self, *args, agenda=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("The minutes as a whole"))] + [
            (item.pk, item.title) for item in agenda
        ]
