"""The factsheet's forms, built from its schema."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from partnership.factsheets import schema


class FactsheetForm(forms.Form):
    """Every field of the factsheet (a draft is always of the whole factsheet), and a note on
    what changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in schema.FIELDS:
            self.fields[spec.key] = schema.form_field(spec)
        self.fields["note"] = forms.CharField(
            label=_("What changed"),
            max_length=500,
            required=False,
            help_text=_("A line for the focal point and the history, e.g. “2025 cap and prices”."),
        )

    def clean(self):
        data = super().clean()
        # The schema's own checks (an address that is not http(s), say), on their fields.
        for spec in schema.FIELDS:
            if spec.key in data:
                try:
                    schema.clean_values({spec.key: data[spec.key]})
                except forms.ValidationError as error:
                    self.add_error(spec.key, error)
        return data

    def values(self) -> dict:
        return {spec.key: self.cleaned_data.get(spec.key) for spec in schema.FIELDS}


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("What should change before approval"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FilterForm(forms.Form):
    """Filters of the factsheet list, on fields the reader reads."""

    def __init__(self, *args, fields: list[schema.Field], **kwargs):
        super().__init__(*args, **kwargs)
        for spec in fields:
            if spec.kind in ("choice", "yesno", "multi"):
                self.fields[spec.key] = forms.ChoiceField(
                    label=spec.label,
                    choices=(("", _("Any")), *spec.choices),
                    required=False,
                )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class FieldSettingsForm(forms.Form):
    """Per field: observers read it; the published comparison carries it."""

    def __init__(self, *args, settings: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in schema.FIELDS:
            setting = settings[spec.key]
            self.fields[f"observers_{spec.key}"] = forms.BooleanField(
                label=_("Observers read it"), required=False, initial=setting.observers_see
            )
            self.fields[f"published_{spec.key}"] = forms.BooleanField(
                label=_("Published"), required=False, initial=setting.published
            )

    def rows(self):
        for spec in schema.FIELDS:
            yield spec, self[f"observers_{spec.key}"], self[f"published_{spec.key}"]

    def chosen(self, prefix: str) -> list[str]:
        return [spec.key for spec in schema.FIELDS if self.cleaned_data.get(f"{prefix}_{spec.key}")]
