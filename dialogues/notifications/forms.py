"""The notification preferences form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dialogues.models import NotificationPreference


class PreferencesForm(forms.Form):
    email_mentions = forms.BooleanField(
        label=_("Email me when someone mentions me"), required=False
    )
    email_replies = forms.BooleanField(
        label=_("Email me when someone replies to me"), required=False
    )
    daily_digest = forms.BooleanField(label=_("Send me a daily digest"), required=False)
    notify_new_threads = forms.BooleanField(
        label=_("Notify me of new threads in my dialogues"), required=False
    )
    email_announcements = forms.ChoiceField(
        label=_("Announcements from the Secretariat and the Co-Chairs"),
        choices=NotificationPreference.Delivery.choices,
        widget=forms.RadioSelect,
        required=False,  # not given: the choice stays as it was
        help_text=_(
            "They always show on your dashboard until you read them. The digest counts them "
            "only while the daily digest is on."
        ),
    )
