"""Forms for membership management, invitations and the profile."""

from django import forms
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import TIMEZONE_CHOICES, AuditEvent, Invitation, Jurisdiction, User


class JurisdictionAdmitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    code = forms.SlugField(
        label=_("Short code"), max_length=12, help_text=_("Letters, digits and hyphens, e.g. “cl”.")
    )
    level = forms.ChoiceField(label=_("Level"), choices=Jurisdiction.Level.choices)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (Jurisdiction.Status.FULL_MEMBER, Jurisdiction.Status.FULL_MEMBER.label),
            (Jurisdiction.Status.OBSERVER, Jurisdiction.Status.OBSERVER.label),
        ],
    )
    since = forms.DateField(
        label=_("Member since"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class JurisdictionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Jurisdiction.Status.choices)


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Invitation.Role.choices)
    jurisdiction = forms.ModelChoiceField(
        label=_("Jurisdiction"),
        queryset=Jurisdiction.objects.none(),
        required=False,
        empty_label=_("— Secretariat —"),
    )

    def __init__(self, *args, jurisdictions=None, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if jurisdictions is not None:
            self.fields["jurisdiction"].queryset = jurisdictions
        if roles is not None:
            self.fields["role"].choices = [c for c in Invitation.Role.choices if c[0] in roles]


class InvitationAcceptForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("The address this invitation was sent to."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        return data


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.TextInput(attrs={"size": 40})
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TIMEZONE_CHOICES,
        help_text=_("Times across Enclave are shown in this zone."),
    )


class AuditFilterForm(forms.Form):
    # A few matches at most: more would make the filter a list of its own.
    MAX_ACTORS = 20

    actor = forms.CharField(
        label=_("Actor"),
        required=False,
        max_length=254,
        help_text=_("A name or an email address, or part of one."),
    )
    jurisdiction = forms.ModelChoiceField(
        label=_("Jurisdiction"),
        queryset=Jurisdiction.objects.all(),
        required=False,
        empty_label=_("Any"),
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any"))] + AuditEvent.Action.choices, required=False
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, officials=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Whom the actor search may find (the reader's visible officials).
        self.officials = officials if officials is not None else User.objects.none()

    def clean_actor(self) -> list[User]:
        """The officials whose name or email contains the text; only the one whose email it
        is, when there is one."""
        text = self.cleaned_data["actor"].strip()
        if not text:
            return []
        exact = Case(When(email__iexact=text, then=Value(0)), default=Value(1))
        matches = list(
            self.officials.filter(Q(full_name__icontains=text) | Q(email__icontains=text))
            .annotate(exact=exact)
            .order_by("exact", "full_name", "pk")[: self.MAX_ACTORS + 1]
        )
        if not matches:
            raise forms.ValidationError(
                _("No official’s name or email contains “%(text)s”."), params={"text": text}
            )
        if matches[0].exact == 0:
            return matches[:1]
        if len(matches) > self.MAX_ACTORS:
            raise forms.ValidationError(
                _("More than %(n)s officials match “%(text)s”: type more of the name or email."),
                params={"n": self.MAX_ACTORS, "text": text},
            )
        return matches
