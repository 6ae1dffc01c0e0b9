"""Forms for membership management, invitations and the profile."""

import datetime

from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms
from django.conf import settings
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from .api_tokens import latest_expiry
from .models import ApiToken, AuditEvent, Invitation, Jurisdiction, User
from .time_zones import aliases_of, canonical, zone_choices


class AddWebAuthnForm(webauthn_forms.AddWebAuthnForm):
    """allauth's, with a label in the reader's language: its `name` field has none, so Django
    would show the field's name ("Name") in English (settings.MFA_FORMS)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")


class EditWebAuthnForm(webauthn_forms.EditWebAuthnForm):
    """The same for renaming a security key."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")


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
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=300,
        required=False,
        help_text=_("Kept in the audit log with the change."),
    )


def language_choices() -> list[tuple[str, str]]:
    """Blank (the browser decides, as when signed out) and each language in its own name."""
    return [("", _("The browser’s language")), *settings.LANGUAGES]


class LanguageSelect(forms.Select):
    """Each language's name is marked as written in that language, for screen readers."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["lang"] = value
        return option


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
    language = forms.ChoiceField(
        label=_("Language"),
        choices=lambda: [("", _("Let the invitee choose")), *settings.LANGUAGES],
        required=False,
        help_text=_(
            "The invitation email is written in this language, and the new account starts in "
            "it. Without a choice, the email is in your language and the invitee picks theirs "
            "when accepting."
        ),
        widget=LanguageSelect,
    )

    def __init__(self, *args, jurisdictions=None, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if jurisdictions is not None:
            self.fields["jurisdiction"].queryset = jurisdictions
        if roles is not None:
            self.fields["role"].choices = [c for c in Invitation.Role.choices if c[0] in roles]


class InvitationAcceptForm(forms.Form):
    # Shown locked: the account's address is the invitation's, whatever is posted.
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "readonly": True}),
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

    def __init__(self, *args, invitation: Invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["email"].initial = invitation.email
        # Help texts are shown unescaped (partials/field.html): the address is escaped here.
        self.fields["email"].help_text = _(
            "This invitation is for %(email)s: you sign in with this address."
        ) % {"email": escape(invitation.email)}

    def clean_email(self) -> str:
        # A tampered post changes nothing: the invitation says whose account this is.
        return self.invitation.email

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        return data


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.TextInput(attrs={"size": 40})
    )


class TimeZoneSelect(forms.Select):
    """Each option also carries the zone's older names (`Asia/Calcutta` on Asia/Kolkata): the
    page's city filter matches them, and some browsers still report their zone by one."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        aliases = aliases_of(str(value))
        if aliases:
            option["attrs"]["data-aliases"] = " ".join(aliases)
        return option


class TimeZoneField(forms.ChoiceField):
    """Offers current canonical zones only; an older name sent in is read as its zone."""

    widget = TimeZoneSelect

    def to_python(self, value):
        value = super().to_python(value)
        return canonical(value) or value


def offer_zones(form: forms.Form, name: str) -> None:
    """Fill `form`'s zone field `name` with the current zones, the initial one listed first; an
    initial zone stored under an older alias is shown (and saved) under its current name."""
    current = form.initial.get(name)
    form.fields[name].choices = zone_choices(current=current)
    if canonical(current):
        form.initial[name] = canonical(current)


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=language_choices,
        required=False,
        help_text=_("Enclave’s pages and the emails it sends you are in this language."),
        widget=LanguageSelect,
    )
    timezone = TimeZoneField(
        label=_("Time zone"),
        help_text=_("Times across Enclave are shown in this zone."),
        widget=TimeZoneSelect(attrs={"data-zone-select": ""}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_zones(self, "timezone")


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


class ApiTokenForm(forms.Form):
    """A new personal access token: its name, what it may do, its last day. The service
    (accounts.api_tokens.api_token_create) checks them all again and says why it refuses."""

    DEFAULT_LIFETIME_DAYS = 90

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the token is used, e.g. “Ministry intranet” or “Records system”."),
        error_messages={"required": _("Give the token a name that says where it is used.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    scope = forms.ChoiceField(
        label=_("What it may do"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text=_(
            "Read lets it read what you read. Read and write also lets it reply, send chat "
            "messages and mark notifications as read, in your name."
        ),
        error_messages={"required": _("Choose what the token may do: read, or read and write.")},
        widget=forms.RadioSelect,
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        help_text=_("The token stops working at the end of this day: at most a year from today."),
        error_messages={"required": _("A token expires on a day after today.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        expires = self.fields["expires_on"]
        expires.initial = today + datetime.timedelta(days=self.DEFAULT_LIFETIME_DAYS)
        expires.widget.attrs["min"] = (today + datetime.timedelta(days=1)).isoformat()
        expires.widget.attrs["max"] = latest_expiry(today).isoformat()
