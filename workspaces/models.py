"""Dialogue workspaces and their rosters (guardian grants to jurisdiction groups and users).

The roster is read only through workspaces/access.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Audience(models.TextChoices):
    """Who inside a workspace may see an item."""

    EVERYONE = "everyone", _("Everyone on the roster")
    FULL_MEMBERS = "full_members", _("Full members only")


class WorkspaceItem(models.Model):
    """Anything inside a workspace that carries its own audience (threads, documents, rooms).

    The access policy reads `workspace`, `audience` and `deleted_at`. Models nested in an item
    (posts in a thread) name it in `ACCESS_PARENT` instead.
    """

    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_full_members_only(self) -> bool:
        return self.audience == Audience.FULL_MEMBERS


class PartnershipAudience(models.TextChoices):
    """Who may read an item addressed to the partnership rather than to a workspace's roster."""

    EVERYONE = "everyone", _("All members, observers included")
    FULL_MEMBERS = "full_members", _("Full members only")
    JURISDICTIONS = "jurisdictions", _("Chosen jurisdictions")


class PartnershipItem(models.Model):
    """Anything addressed to the whole partnership, not to a workspace (an announcement).

    The access policy (workspaces/access.py) reads `audience`, `jurisdictions` (for chosen
    jurisdictions: their officials read it), `withdrawn_at` (withdrawn: nobody reads it) and the
    class's `AUTHOR_CAPABILITY`: the platform capability that writes such items, whose holders
    also read every item addressed to chosen jurisdictions. Upper layers subclass it, so the
    policy answers for them without importing them.
    """

    AUTHOR_CAPABILITY: str = ""

    audience = models.CharField(
        _("audience"),
        max_length=16,
        choices=PartnershipAudience.choices,
        default=PartnershipAudience.EVERYONE,
    )
    jurisdictions = models.ManyToManyField(
        "accounts.Jurisdiction", blank=True, related_name="+", verbose_name=_("jurisdictions")
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class AttributionMode(models.TextChoices):
    """Who is named for what was said (per workspace; a session may be stricter, never looser)."""

    NAMED = "named", _("Named")
    CHATHAM_HOUSE = "chatham_house", _("Chatham House")
    ANONYMOUS = "anonymous", _("Anonymous")


ATTRIBUTION_STRICTNESS = {
    AttributionMode.NAMED: 0,
    AttributionMode.CHATHAM_HOUSE: 1,
    AttributionMode.ANONYMOUS: 2,
}


def strictest(*modes: str) -> str:
    """The strictest of the given modes (blank ones are ignored)."""
    return max((m for m in modes if m), key=lambda m: ATTRIBUTION_STRICTNESS[m])


class Workspace(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    class Kind(models.TextChoices):
        """A dialogue has a roster. The partnership's library (at most one) has none: its
        documents are read by every member (observers per document, by its audience) and kept
        by those holding MANAGE_LIBRARY; it is never listed as a dialogue (access.py)."""

        DIALOGUE = "dialogue", _("Dialogue")
        LIBRARY = "library", _("Partnership library")

    class ObserverPolicy(models.TextChoices):
        NONE = "none", _("No observers")
        READ = "read", _("Observers read")
        CONTRIBUTE = "contribute", _("Observers contribute")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    purpose_source = models.TextField(_("purpose"), blank=True)
    purpose_html = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DIALOGUE)
    observer_policy = models.CharField(
        _("observer policy"),
        max_length=12,
        choices=ObserverPolicy.choices,
        default=ObserverPolicy.NONE,
    )
    email_excerpts = models.BooleanField(
        _("emails may carry excerpts"),
        default=False,
        help_text=_("Off: notification emails only say that there is new activity."),
    )
    attribution = models.CharField(
        _("attribution"),
        max_length=16,
        choices=AttributionMode.choices,
        default=AttributionMode.NAMED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["title"]
        permissions = [
            ("participate_workspace", "Take part in the dialogue"),
            ("facilitate_workspace", "Facilitate the dialogue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(kind="library"), name="one_library"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED

    @property
    def is_library(self) -> bool:
        return self.kind == self.Kind.LIBRARY


class WorkspaceUserGrant(UserObjectPermissionBase):
    """A roster entry for one user (guardian's direct foreign-key grant)."""

    content_object = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="user_grants"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)


class WorkspaceGroupGrant(GroupObjectPermissionBase):
    """A roster entry for a whole jurisdiction (its group)."""

    content_object = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="group_grants"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)


def documents_storage():
    return storages["documents"]


class Marking(models.TextChoices):
    """Handling markings: a marked document asks each reader to acknowledge it once."""

    NONE = "none", _("None")
    DO_NOT_CITE = "do_not_cite", _("Do not cite")
    DRAFT = "draft", _("Draft – not for circulation")


class Document(WorkspaceItem):
    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)  # Markdown, as written
    description_html = models.TextField(blank=True, editable=False)  # rendered once, on write
    # ",tag one,tag two," so that one tag is a portable `contains` filter on any database.
    tags = models.CharField(_("tags"), max_length=600, blank=True)
    marking = models.CharField(
        _("handling marking"), max_length=16, choices=Marking.choices, default=Marking.NONE
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delete_reason = models.CharField(max_length=300, blank=True)
    # Each PDF served carries its reader's stamp (workspaces/watermarks.py); on by default for
    # marked documents.
    watermark = models.BooleanField(_("watermark each download"), default=False)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_marked(self) -> bool:
        return self.marking != Marking.NONE

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]

    @staticmethod
    def stored_tags(tags: list[str]) -> str:
        return f",{','.join(tags)}," if tags else ""


class TextState(models.TextChoices):
    """Where a version's text extraction stands (workspaces/document_text.py)."""

    PENDING = "pending", _("Indexing")
    INDEXED = "indexed", _("Indexed")
    UNAVAILABLE = "unavailable", _("Text unavailable")


class DocumentVersion(models.Model):
    ACCESS_PARENT = "document"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    # A generated name in the documents storage; never a public URL.
    file = models.FileField(storage=documents_storage, max_length=200)
    filename = models.CharField(max_length=160)  # cleaned, for display and downloads
    content_type = models.CharField(max_length=120)  # decided by sniffing the content
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    change_note = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    text_state = models.CharField(
        max_length=12, choices=TextState.choices, default=TextState.PENDING
    )
    # Why the text is unavailable: one of workspaces.extraction.jobs.REASONS, never content.
    text_reason = models.CharField(max_length=20, blank=True)
    text_truncated = models.BooleanField(default=False)  # the text reached the worker's cap

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class PassageLocation(models.TextChoices):
    NONE = "", _("Text")
    PAGE = "page", _("Page")
    SHEET = "sheet", _("Sheet")
    SLIDE = "slide", _("Slide")


class DocumentPassage(models.Model):
    """A piece of a version's extracted text (a page, or a few thousand characters of a sheet,
    a slide or a word-processing file), read only through the policy like its document."""

    ACCESS_PARENT = "version"

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="passages")
    position = models.PositiveIntegerField()  # order in the document
    location = models.CharField(max_length=5, choices=PassageLocation.choices, blank=True)
    number = models.PositiveIntegerField(null=True, blank=True)  # page or slide number
    name = models.CharField(max_length=200, blank=True)  # sheet name
    text = models.TextField()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="one_passage_position")
        ]

    def __str__(self) -> str:
        return f"{self.version} passage {self.position}"

    @property
    def where(self) -> str:
        """Where in the document the passage was found, for a search result or a preview."""
        if self.location == PassageLocation.PAGE:
            return gettext("Page %(number)s") % {"number": self.number}
        if self.location == PassageLocation.SLIDE:
            return gettext("Slide %(number)s") % {"number": self.number}
        if self.location == PassageLocation.SHEET:
            return gettext("Sheet “%(name)s”") % {"name": self.name}
        return ""


class DocumentPreview(models.Model):
    """A PNG preview of a version's page (or of an image), in the documents storage: served
    only by the preview view, after the policy's check."""

    ACCESS_PARENT = "version"

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="previews")
    page = models.PositiveSmallIntegerField()
    file = models.FileField(storage=documents_storage, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["version", "page"]
        constraints = [
            models.UniqueConstraint(fields=["version", "page"], name="one_preview_per_page")
        ]

    def __str__(self) -> str:
        return f"{self.version} preview {self.page}"


class Download(models.Model):
    """One copy served: who took which version when, and the SHA-256 of the bytes they got, so
    a leaked copy leads back here by its stamped id or by its digest (both indexed). Read only
    by the trace page (workspaces/watermarks.py), never listed to readers."""

    code = models.CharField(max_length=16, unique=True)  # the download id, stamped on the copy
    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sha256 = models.CharField(max_length=64, db_index=True)
    watermarked = models.BooleanField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.code


class MarkingAcknowledgement(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    marking = models.CharField(max_length=16, choices=Marking.choices)
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "user", "marking"], name="one_acknowledgement"
            )
        ]


class Pseudonym(models.Model):
    """A stable "Participant N" for one person within one context (a thread, a session, a room,
    a workspace's documents). The true author stays on the content itself; only the Secretariat
    can unmask, and every unmasking is audited."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    context = models.CharField(max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["context", "user"], name="one_pseudonym_per_context"),
            models.UniqueConstraint(fields=["context", "number"], name="unique_pseudonym_number"),
        ]


class UndertakingQuerySet(models.QuerySet):
    def current(self) -> UndertakingQuerySet:
        """Each workspace's current version: the one no higher version of it follows."""
        newer = Undertaking.objects.filter(
            workspace_id=models.OuterRef("workspace_id"), version__gt=models.OuterRef("version")
        )
        return self.filter(~models.Exists(newer))

    def pending_for(self, user) -> UndertakingQuerySet:
        """Current versions `user` has not accepted (one subquery, however many workspaces)."""
        return self.current().exclude(acceptances__user_id=user.pk)


class Undertaking(models.Model):
    """A version of a workspace's confidentiality undertaking. The highest version is current:
    until a reader on the roster accepts it, nothing inside the workspace is served to them
    (workspaces/access.py). Versions are never edited or deleted: a change is a new version."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="undertakings")
    version = models.PositiveIntegerField()
    text_source = models.TextField(_("text"))  # Markdown, as written
    text_html = models.TextField(editable=False)  # rendered and sanitized once, on write
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = UndertakingQuerySet.as_manager()

    class Meta:
        ordering = ["workspace", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "version"], name="one_undertaking_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.workspace} undertaking v{self.version}"


class UndertakingAcceptance(models.Model):
    """One reader's acceptance of one version; earlier versions' acceptances stay on record."""

    undertaking = models.ForeignKey(
        Undertaking, on_delete=models.CASCADE, related_name="acceptances"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["undertaking", "user"], name="one_acceptance_per_user")
        ]
