"""Factsheets: one per jurisdiction, kept as versions of structured values.

A version is a draft (its jurisdiction's officials or the Secretariat edit it), submitted (it
awaits the jurisdiction's focal point), approved (what other members read), or discarded. A
factsheet has at most one open version (draft or submitted) at a time, and points at its
latest approved one. Values are a JSON object keyed by the fields of `factsheets.schema`, so a
version keeps every field as it stood and the history of one field is read across versions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction


class Factsheet(models.Model):
    jurisdiction = models.OneToOneField(
        Jurisdiction, on_delete=models.PROTECT, related_name="factsheet"
    )
    # Where the system sits on the world map: ISO 3166 alpha-2 codes, lower case, space
    # separated (the EU's member states; a subnational system's country).
    countries = models.CharField(_("countries on the map"), max_length=400, blank=True)
    approved = models.ForeignKey(
        "FactsheetVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["jurisdiction__name"]

    def __str__(self) -> str:
        return str(self.jurisdiction)

    @property
    def country_codes(self) -> list[str]:
        return self.countries.split()


class FactsheetVersion(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        DISCARDED = "discarded", _("Discarded")

    factsheet = models.ForeignKey(Factsheet, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    values = models.JSONField(default=dict)
    # The Markdown fields as sanitised HTML, made once on save (schema.rendered).
    rendered = models.JSONField(default=dict)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    return_note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["factsheet", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["factsheet", "number"], name="factsheet_version_number"
            ),
            models.UniqueConstraint(
                fields=["factsheet"],
                condition=Q(state__in=["draft", "submitted"]),
                name="factsheet_one_open_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.factsheet} v{self.number}"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.SUBMITTED)


class FactsheetFieldSetting(models.Model):
    """What the partnership decided about one field: whether observers read it, and whether
    the published comparison carries it. A field without a row: both yes."""

    key = models.CharField(max_length=40, unique=True)
    observers_see = models.BooleanField(default=True)
    published = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class FactsheetPublication(models.Model):
    """One explicit publication of the approved comparison: what the public files serve."""

    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)
    fields = models.JSONField(default=list)  # the field keys published, in order
    rows = models.JSONField(
        default=list
    )  # one object per jurisdiction: name, code, version, values

    class Meta:
        ordering = ["-published_at", "-pk"]
        get_latest_by = ["published_at", "pk"]

    def __str__(self) -> str:
        return f"publication {self.pk}"


class LibraryEntry(models.Model):
    """What the partnership library knows of one of its documents beyond the document itself
    (workspaces.Document in the library workspace): what kind of literature it is, on what,
    when, in which language and about whom. Read through the policy as its document is."""

    ACCESS_PARENT = "document"

    class Kind(models.TextChoices):
        HANDBOOK = "handbook", _("Handbook")
        GUIDE = "guide", _("Guide")
        STATUS_REPORT = "status_report", _("Status report")
        MEMBER_PAPER = "member_paper", _("Member's paper")
        STUDY = "study", _("Study")
        BRIEF = "brief", _("Brief")
        OTHER = "other", _("Other")

    class Topic(models.TextChoices):
        CAP = "cap", _("Cap setting")
        COVERAGE = "coverage", _("Coverage")
        ALLOCATION = "allocation", _("Allocation and auctions")
        MARKET_STABILITY = "market_stability", _("Market stability")
        OFFSETS = "offsets", _("Offsets")
        LINKING = "linking", _("Linking with other systems")
        MRV = "mrv", _("Monitoring, reporting and verification")
        REVENUE = "revenue", _("Use of revenues")
        LEAKAGE = "leakage", _("Competitiveness and leakage")
        GENERAL = "general", _("Emissions trading in general")

    document = models.OneToOneField(
        "workspaces.Document", on_delete=models.CASCADE, related_name="library_entry"
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    # An ISO 639-1 code (library.metadata.LANGUAGES): the document's, not the reader's.
    language = models.CharField(_("language"), max_length=8)
    jurisdictions = models.ManyToManyField(
        Jurisdiction, blank=True, related_name="+", verbose_name=_("jurisdictions concerned")
    )

    class Meta:
        ordering = ["-year", "document__title"]
        indexes = [models.Index(fields=["kind", "topic", "year", "language"])]
        verbose_name = _("library document")
        verbose_name_plural = _("library documents")

    def __str__(self) -> str:
        return str(self.document)
