from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction, User
from workspaces.access import WorkspaceRole
from workspaces.models import Audience, Workspace

from .models import Reaction

BODY_HELP = _(
    "Markdown: **bold**, *italic*, lists, > quotes, [links](https://…). @handle mentions."
)


class WorkspaceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=60,
        required=False,
        help_text=_("Used in the address: /w/short-name/. Left empty, it follows the title."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=BODY_HELP,
    )
    observer_policy = forms.ChoiceField(
        label=_("Observers"), choices=Workspace.ObserverPolicy.choices
    )


class WorkspaceSettingsForm(WorkspaceForm):
    slug = None
    email_excerpts = forms.BooleanField(
        label=_("Notification emails may quote the text"),
        required=False,
        help_text=_("Off (recommended): emails only say there is new activity, with a link."),
    )


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


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class MoveForm(forms.Form):
    target = forms.ModelChoiceField(label=_("Move to"), queryset=Workspace.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            targets if targets is not None else Workspace.objects.none()
        )


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=Reaction.Kind.choices)


class RosterAddForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(
        label=_("Jurisdiction"),
        queryset=Jurisdiction.objects.exclude(status=Jurisdiction.Status.FORMER),
        required=False,
        empty_label=_("—"),
    )
    user = forms.ModelChoiceField(
        label=_("Or one official"),
        queryset=User.objects.filter(is_active=True).select_related("jurisdiction"),
        required=False,
        empty_label=_("—"),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (WorkspaceRole.PARTICIPANT.value, _("Participant")),
            (WorkspaceRole.FACILITATOR.value, _("Facilitator")),
        ],
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("jurisdiction")) == bool(data.get("user")):
            raise forms.ValidationError(_("Choose either a jurisdiction or one official."))
        return data


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
