"""The notification preferences form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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
