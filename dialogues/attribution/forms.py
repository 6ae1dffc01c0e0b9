"""Forms for choosing an attribution mode and unmasking a pseudonym."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workspaces.models import AttributionMode


class AttributionForm(forms.Form):
    attribution = forms.ChoiceField(
        label=_("Attribution"), choices=AttributionMode.choices, widget=forms.RadioSelect
    )


class UnmaskForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Kept in the audit log and shown to the person you unmask."),
    )
