"""Officials, jurisdictions, invitations and the append-only audit log."""

from __future__ import annotations

import calendar
import datetime
import re
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Choose a valid time zone."))


# An erased official's address, and their invitations' (privacy/erasure): RFC 2606's reserved
# domain, where no mail is ever delivered.
ERASED_EMAIL_DOMAIN = "erased.invalid"


class Jurisdiction(models.Model):
    class Level(models.TextChoices):
        SUPRANATIONAL = "supranational", _("Supranational")
        NATIONAL = "national", _("National")
        SUBNATIONAL = "subnational", _("Subnational")

    class Status(models.TextChoices):
        FULL_MEMBER = "member", _("Full member")
        OBSERVER = "observer", _("Observer")
        FORMER = "former", _("Former")

    name = models.CharField(_("name"), max_length=120, unique=True)
    code = models.SlugField(_("short code"), max_length=12, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    since = models.DateField(_("member since"), default=timezone.localdate)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="jurisdiction")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.FORMER


def months_after(day: datetime.date, months: int) -> datetime.date:
    """`day` moved `months` calendar months on; the 31st becomes the month's last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_access_review() -> datetime.date:
    """When access granted or confirmed today is next reviewed (ENCLAVE_ACCESS_REVIEW_MONTHS)."""
    return months_after(timezone.localdate(), settings.ENCLAVE_ACCESS_REVIEW_MONTHS)


def unique_handle(email: str) -> str:
    """A free @handle from an email's local part: `camille.laurent`, then `camille.laurent2`…"""
    base = re.sub(r"[^a-z0-9._-]", "", email.split("@", 1)[0].lower()).strip("._-")[:58] or "user"
    handle, n = base, 1
    while User.objects.filter(handle=handle).exists():
        n += 1
        handle = f"{base}{n}"
    return handle


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        email = self.normalize_email(email).lower()
        fields.setdefault("handle", unique_handle(email))
        user = self.model(email=email, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        """The operator's own account (`manage.py createsuperuser`).

        Its address counts as confirmed: the operator typed it at the server's console, so
        asking them to confirm it by email on first sign-in proves nothing more.
        """
        from allauth.account.models import EmailAddress

        fields.update(is_staff=True, is_superuser=True)
        user = self.create_user(email, password, **fields)
        EmailAddress.objects.using(self._db).create(
            user=user, email=user.email, verified=True, primary=True
        )
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """An official: of exactly one jurisdiction, or of the Secretariat.

    Platform roles follow from the fields: `is_secretariat`, `is_co_chair`, `is_focal_point`
    and the jurisdiction's status. What each role may do lives in workspaces/access.py.
    """

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    handle = models.CharField(
        _("handle"),
        max_length=64,
        unique=True,
        help_text=_("Others mention you as @handle."),
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, null=True, blank=True, related_name="officials"
    )
    is_secretariat = models.BooleanField(_("Secretariat staff"), default=False)
    is_co_chair = models.BooleanField(_("Co-Chair"), default=False)
    is_focal_point = models.BooleanField(_("focal point"), default=False)
    timezone = models.CharField(
        _("time zone"), max_length=64, validators=[validate_timezone], default="Europe/Berlin"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=now)
    # Access must be renewed (accounts/reviews.py): valid until this date unless a sponsor
    # confirms it; past it, the account is suspended (no standing, nothing deleted).
    access_review_on = models.DateField(_("access review date"), default=next_access_review)
    last_confirmed_at = models.DateTimeField(_("access last confirmed"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)
    # Erased at the partnership's request (privacy/erasure): name, email and handle are a
    # stable label from then on, the login is gone, what they wrote stays under that label.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    # The language of the emails Enclave writes to this person; empty: LANGUAGE_CODE.
    language = models.CharField(_("language"), max_length=16, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            # Secretariat staff belong to the Secretariat, not to a jurisdiction.
            models.CheckConstraint(
                condition=~Q(is_secretariat=True, jurisdiction__isnull=False),
                name="secretariat_has_no_jurisdiction",
            ),
            # Every official belongs somewhere; only operators' superusers may not.
            models.CheckConstraint(
                condition=Q(jurisdiction__isnull=False)
                | Q(is_secretariat=True)
                | Q(is_superuser=True),
                name="official_has_affiliation",
            ),
            models.CheckConstraint(
                condition=~Q(is_focal_point=True, jurisdiction__isnull=True),
                name="focal_point_has_jurisdiction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def affiliation(self) -> str:
        if self.jurisdiction_id:
            return str(self.jurisdiction)
        if self.is_secretariat:
            return str(_("Secretariat"))
        # Neither: the operator's superuser (`official_has_affiliation` allows no one else).
        return str(_("Operator"))


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """A single-use invitation bound to one email; only its token's hash is stored."""

    class Role(models.TextChoices):
        OFFICIAL = "official", _("Official")
        FOCAL_POINT = "focal_point", _("Focal point")
        SECRETARIAT = "secretariat", _("Secretariat staff")
        CO_CHAIR = "co_chair", _("Co-Chair")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    email = models.EmailField(_("email"))
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # None: the operator invited the first Co-Chair (`manage.py bootstrap`), no account did.
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitation",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The invitee's language (bulk invitations carry one); empty: LANGUAGE_CODE.
    language = models.CharField(_("language"), max_length=16, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations_revoked",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role="secretariat", jurisdiction__isnull=True)
                | (~Q(role="secretariat") & Q(jurisdiction__isnull=False)),
                name="invitation_affiliation_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return self.State.ACCEPTED
        if self.revoked_at:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.PENDING

    @property
    def affiliation(self) -> str:
        return str(self.jurisdiction) if self.jurisdiction_id else str(_("Secretariat"))

    @property
    def inviter_label(self) -> str:
        if self.invited_by_id:
            return self.invited_by.full_name
        return str(_("Enclave's operator"))


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One security-relevant event. Rows are written once and never changed or removed."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOGOUT = "logout", _("Signed out")
        MFA_ADDED = "mfa_added", _("Second factor added")
        MFA_REMOVED = "mfa_removed", _("Second factor removed")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset")
        EMAIL_CHANGED = "email_changed", _("Email changed")
        INVITATION_SENT = "invitation_sent", _("Invitation sent")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
        JURISDICTION_ADMITTED = "jurisdiction_admitted", _("Jurisdiction admitted")
        JURISDICTION_STATUS = "jurisdiction_status", _("Jurisdiction status changed")
        ROLE_CHANGED = "role_changed", _("Role changed")
        USER_DEACTIVATED = "user_deactivated", _("Official deactivated")
        USER_REACTIVATED = "user_reactivated", _("Official reactivated")
        SESSION_ENDED = "session_ended", _("Session ended")
        WORKSPACE_CREATED = "workspace_created", _("Workspace created")
        WORKSPACE_CHANGED = "workspace_changed", _("Workspace settings changed")
        WORKSPACE_ARCHIVED = "workspace_archived", _("Workspace archived")
        WORKSPACE_REOPENED = "workspace_reopened", _("Workspace reopened")
        ROSTER_ADDED = "roster_added", _("Added to a roster")
        ROSTER_REMOVED = "roster_removed", _("Removed from a roster")
        THREAD_PINNED = "thread_pinned", _("Thread pinned")
        THREAD_UNPINNED = "thread_unpinned", _("Thread unpinned")
        THREAD_LOCKED = "thread_locked", _("Thread locked")
        THREAD_UNLOCKED = "thread_unlocked", _("Thread unlocked")
        THREAD_MOVED = "thread_moved", _("Thread moved")
        POST_HIDDEN = "post_hidden", _("Post hidden")
        POST_UNHIDDEN = "post_unhidden", _("Post shown again")
        DOCUMENT_UPLOADED = "document_uploaded", _("Document uploaded")
        DOCUMENT_VERSION = "document_version", _("Document version added")
        DOCUMENT_DELETED = "document_deleted", _("Document deleted")
        DOCUMENT_DOWNLOADED = "document_downloaded", _("Document downloaded")
        DOWNLOAD_REFUSED = "download_refused", _("Download refused")
        MARKING_ACKNOWLEDGED = "marking_acknowledged", _("Handling marking acknowledged")
        CHAT_HIDDEN = "chat_hidden", _("Chat message hidden")
        CHAT_MUTED = "chat_muted", _("Participant muted")
        CHAT_LOCKED = "chat_locked", _("Room locked")
        CHAT_UNLOCKED = "chat_unlocked", _("Room unlocked")
        ATTRIBUTION_CHANGED = "attribution_changed", _("Attribution mode changed")
        SESSION_CHANGED = "session_changed", _("Dialogue session changed")
        MINUTES_APPROVED = "minutes_approved", _("Minutes approved")
        UNMASKED = "unmasked", _("Pseudonym unmasked")
        EXPORTED = "exported", _("Exported")
        MEMBERSHIP_CONFIRMED = "membership_confirmed", _("Access confirmed")
        USER_SUSPENDED = "user_suspended", _("Official suspended")
        USER_RESTORED = "user_restored", _("Official restored")
        REVIEW_REQUESTED = "review_requested", _("Access review requested")
        DORMANT_NOTICED = "dormant_noticed", _("Dormant account reported")
        UNDERTAKING_CHANGED = "undertaking_changed", _("Undertaking changed")
        UNDERTAKING_ACCEPTED = "undertaking_accepted", _("Undertaking accepted")
        INVITATIONS_UPLOADED = "invitations_uploaded", _("Invitations uploaded")
        DOCUMENT_TEXT_UNAVAILABLE = "document_text_unavailable", _("Document text unavailable")
        DOWNLOAD_TRACED = "download_traced", _("Download traced")
        DOCUMENT_WATERMARK = "document_watermark", _("Document watermarking changed")
        FACTSHEET_CHANGED = "factsheet_changed", _("Factsheet changed")
        FACTSHEETS_PUBLISHED = "factsheets_published", _("Factsheets published")
        CALENDAR_FEED_RESET = "calendar_feed_reset", _("Calendar link reset")
        CALENDAR_FEED_READ = "calendar_feed_read", _("Calendar feed read")
        ANNOUNCEMENT_POSTED = "announcement_posted", _("Announcement posted")
        ANNOUNCEMENT_EDITED = "announcement_edited", _("Announcement edited")
        ANNOUNCEMENT_WITHDRAWN = "announcement_withdrawn", _("Announcement withdrawn")
        LIBRARY_ENTRY_CHANGED = "library_entry_changed", _("Library details changed")
        API_TOKEN_CREATED = "api_token_created", _("API token created")
        API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
        SESSION_EXPIRED = "session_expired", _("Session expired")
        DATA_EXPORT_REQUESTED = "data_export_requested", _("Personal data export requested")
        DATA_EXPORT_DOWNLOADED = "data_export_downloaded", _("Personal data export downloaded")
        OFFICIAL_ERASED = "official_erased", _("Official erased")
        PRIVACY_NOTICE_CHANGED = "privacy_notice_changed", _("Privacy notice changed")
        RETENTION_APPLIED = "retention_applied", _("Retention applied")
        API_TOKEN_NEW_ADDRESS = "api_token_new_address", _("API token used from a new address")

    # Indexed with the id, alone and after each filter column (Meta.indexes).
    created_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=40, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        db_index=False,
    )
    # Copied at write time so the record stays true if names or affiliations change later.
    actor_label = models.CharField(max_length=300, blank=True)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events_about",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        db_index=False,
    )
    # What else the event concerns, e.g. "workspace:offsets" (never content).
    scope = models.CharField(max_length=80, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    # The summary as an English msgid and its parameters, composed in the reader's language
    # when shown (accounts.audit.event_summary); blank on records written before them.
    summary_template = models.CharField(max_length=300, blank=True)
    summary_params = models.JSONField(default=dict, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # A page of the log, filtered or not, is a range of one of these read in order: nothing
        # is sorted or skipped however long the log grows (core.pagination.keyset_page).
        indexes = [
            models.Index(fields=["created_at", "id"], name="audit_time_idx"),
            models.Index(fields=["actor", "created_at", "id"], name="audit_actor_time_idx"),
            models.Index(
                fields=["jurisdiction", "created_at", "id"], name="audit_jurisdiction_time_idx"
            ),
            models.Index(fields=["action", "created_at", "id"], name="audit_action_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.actor_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class CalendarFeedToken(models.Model):
    """An official's private calendar feed link (accounts/feed_tokens.py). The link's token is an
    HMAC of `nonce` under the server's secret key; the database keeps only the nonce and the
    token's SHA-256, so a copy of the database alone opens no feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token"
    )
    nonce = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The address of the last audited fetch: a fetch from a new one is audited at once.
    last_address = models.GenericIPAddressField(null=True, blank=True)


class ApiToken(models.Model):
    """An official's personal access token for the API (accounts/api_tokens.py).

    The token reads `enclave_<key>.<secret>`: `key` finds the row, and only an HMAC of the
    secret under the server's secret key is stored, so a copy of the database opens nothing.
    A token acts as its official, never more: the API asks the same policy as every page."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Written at most once a minute (accounts/api_tokens.API_TOKEN_USE_WRITE_EVERY).
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The address of the last use: a use from another one is audited.
    last_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_name_unique_while_live",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.WRITE
