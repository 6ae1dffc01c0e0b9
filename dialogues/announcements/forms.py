"""The announcement form: title, audience (with the jurisdictions it is for), the Markdown body,
how long it shows on the dashboard, and whether emails may quote it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction
from core.days import end_of_day, last_day
from dialogues.models import Announcement
from workspaces.models import PartnershipAudience

BODY_HELP = _("Markdown: **bold**, *italic*, lists, > quotes, [links](https://…).")


class AnnouncementForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={"required": _("Give the announcement a title.")},
    )
    audience = forms.ChoiceField(label=_("Who may read it"), widget=forms.RadioSelect)
    jurisdictions = forms.ModelMultipleChoiceField(
        label=_("Jurisdictions"),
        queryset=Jurisdiction.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "For “Chosen jurisdictions”: the officials of the jurisdictions you tick read it. "
            "The Secretariat and the Co-Chairs read every announcement."
        ),
    )
    body = forms.CharField(
        label=_("Announcement"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=BODY_HELP,
        error_messages={"required": _("Write the announcement first.")},
    )
    show_until = forms.DateField(
        label=_("Show on the dashboard until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Through the end of that day, in your time zone. Leave it empty to show the "
            "announcement until each reader has read it."
        ),
    )
    email_excerpt = forms.BooleanField(
        label=_("Emails may carry the title and the start of the text"),
        required=False,
        help_text=_(
            "Leave it unticked and the email says only that there is a new announcement, with "
            "a link. Tick it only for text that may be read outside Enclave."
        ),
    )

    def __init__(self, *args, audiences: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = [(a, PartnershipAudience(a).label) for a in audiences]
        self.fields["jurisdictions"].queryset = Jurisdiction.objects.exclude(
            status=Jurisdiction.Status.FORMER
        ).order_by("name")
        if not self.is_bound and "audience" not in self.initial:
            self.initial["audience"] = PartnershipAudience.EVERYONE

    @classmethod
    def initial_of(cls, announcement: Announcement) -> dict:
        """The form's values for an announcement being edited."""
        return {
            "title": announcement.title,
            "audience": announcement.audience,
            "jurisdictions": list(announcement.jurisdictions.all()),
            "body": announcement.body_source,
            "show_until": last_day(announcement.show_until) if announcement.show_until else None,
            "email_excerpt": announcement.email_excerpt,
        }

    def service_arguments(self) -> dict:
        """What the post and edit services take, from the cleaned form."""
        data = self.cleaned_data
        day = data.get("show_until")
        return {
            "title": data["title"],
            "body": data["body"],
            "audience": data["audience"],
            "jurisdictions": list(data.get("jurisdictions") or []),
            "show_until": end_of_day(day) if day else None,
            "email_excerpt": data.get("email_excerpt", False),
        }
