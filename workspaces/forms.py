from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction, User
from core.markup import BODY_HELP

from .access import WorkspaceRole
from .models import Audience, Marking, Workspace


class _RefusesFile:
    def refuse_file(self, message: str) -> None:
        """Show what was posted with `message` on the file and no other error: a body cut
        short at the size limit lacks the file and the fields after it, and "This field is
        required." beside the size would mislead."""
        self.is_valid()
        self.errors.clear()
        self.add_error("file", message)


class DocumentUploadForm(_RefusesFile, forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word, Excel, PowerPoint, OpenDocument, CSV, plain text, PNG or JPEG."),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Left empty, the file's name is used."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=BODY_HELP,
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=600,
        help_text=_("Separated by commas, e.g. “offsets, permanence”."),
    )
    audience = forms.ChoiceField(label=_("Who may read it"), choices=Audience.choices)
    marking = forms.ChoiceField(label=_("Handling marking"), choices=Marking.choices)
    watermark = forms.BooleanField(
        label=_("Watermark each PDF download"),
        required=False,
        help_text=_(
            "Every page of each copy carries a discreet stamp that identifies its reader, so "
            "that a leaked copy can be traced. Marked documents are always watermarked."
        ),
    )

    def upload_arguments(self) -> dict:
        """What the upload services take from this form (workspaces.documents.document_upload,
        and the library's share, which adds its details)."""
        data = self.cleaned_data
        return {
            "upload": data["file"],
            "title": data["title"],
            "description": data["description"],
            "tags": data["tags"],
            "audience": data["audience"],
            "marking": data["marking"],
            "watermark": data["watermark"] or None,  # unticked: as the marking says
        }


class VersionUploadForm(_RefusesFile, forms.Form):
    file = forms.FileField(label=_("New version"))
    change_note = forms.CharField(label=_("What changed"), max_length=300, required=False)


class DocumentDeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Kept in the audit log, with your name."),
    )


class DownloadTraceForm(forms.Form):
    code = forms.CharField(
        label=_("Download id"),
        required=False,
        max_length=32,
        help_text=_("As stamped at the foot of each page, e.g. K7Q2M4XZ3A."),
    )
    file = forms.FileField(
        label=_("Or the leaked PDF"),
        required=False,
        help_text=_("Its stamp, its metadata or its exact bytes lead back to the download."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_(
            "Needed when the copy comes from an anonymous dialogue: tracing it unmasks its "
            "reader. Kept in the audit log."
        ),
    )

    def clean(self):
        data = super().clean()
        if not data.get("code") and not data.get("file"):
            raise forms.ValidationError(_("Type a download id or choose the leaked PDF."))
        return data


class DocumentFilterForm(forms.Form):
    tag = forms.CharField(label=_("Tag"), required=False)
    marking = forms.ChoiceField(
        label=_("Marking"), choices=[("", _("Any"))] + Marking.choices, required=False
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("date", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("title", _("Title A–Z")),
            ("-title", _("Title Z–A")),
        ],
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


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


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
