"""Forms for threads and posts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.markup import BODY_HELP
from dialogues.models import Reaction
from workspaces.models import Audience, Workspace


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    audience = forms.ChoiceField(label=_("Who may read it"), choices=Audience.choices)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 10}), help_text=BODY_HELP
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 6}), help_text=BODY_HELP
    )
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EditForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 10}))


class MoveForm(forms.Form):
    # Our own blank choice: Django's ("- Select an option -") is untranslated in es and ja.
    target = forms.ModelChoiceField(
        label=_("Move to"), queryset=Workspace.objects.none(), empty_label=_("—")
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            targets if targets is not None else Workspace.objects.none()
        )


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=Reaction.Kind.choices)
