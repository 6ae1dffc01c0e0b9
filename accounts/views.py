"""Thin views: parse, call one service or selector, render."""

from __future__ import annotations

from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.pagination import keyset_page, query_without_paging
from core.refusals import errors_into, refusals_as_messages, say_form_errors

from . import feed_tokens, reviews, selectors, services
from .adapter import announce
from .audit import event_summary
from .forms import (
    AuditFilterForm,
    DeactivateForm,
    InvitationAcceptForm,
    InvitationForm,
    JurisdictionAdmitForm,
    JurisdictionStatusForm,
    ProfileForm,
)
from .languages import remember_language
from .models import AuditEvent, Invitation, Jurisdiction, User
from .policy import (
    Capability,
    Role,
    can,
    can_grant,
    get_visible_or_404,
    holds_or_404,
    invitation_roles,
    may_review_access,
)
from .reauthentication import confirm_recent_authentication


@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"full_name": user.full_name, "timezone": user.timezone, "language": user.language},
    )
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            services.profile_update(
                actor=user,
                full_name=form.cleaned_data["full_name"],
                timezone_name=form.cleaned_data["timezone"],
                language=form.cleaned_data["language"],
            )
        if attempt.succeeded:
            # The new language from this answer on: its message, and the cookie for the pages
            # seen signed out on this device.
            translation.activate(user.language or translation.get_language_from_request(request))
            messages.success(request, _("Your profile is saved."))
            return remember_language(redirect("profile"), user.language)
    # Every time the Secretariat revealed who was behind one of the user's pseudonyms.
    unmaskings = list(
        AuditEvent.objects.filter(action=AuditEvent.Action.UNMASKED, target_user=user)
        .select_related("actor", "target_user")
        .order_by("-created_at")
    )
    for event in unmaskings:
        event.shown_summary = event_summary(event)  # in the reader's language
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "unmaskings": unmaskings,
            "calendar_feed": feed_tokens.feed_profile_context(request, user),
        },
    )


# ------------------------------------------------------------------------------
# Membership management
# ------------------------------------------------------------------------------


def _invitation_form(request, jurisdiction: Jurisdiction | None, data=None) -> InvitationForm:
    """An invitation form offering only the roles that fit there and the user may grant there
    (the service refuses any other)."""
    roles = invitation_roles(request.user, jurisdiction)
    jurisdictions = Jurisdiction.objects.filter(pk=jurisdiction.pk) if jurisdiction else None
    form = InvitationForm(data, jurisdictions=jurisdictions, roles=roles)
    if jurisdiction is not None:
        form.fields["jurisdiction"].initial = jurisdiction.pk
        form.fields["jurisdiction"].required = True
        form.fields["jurisdiction"].empty_label = None
    else:
        form.fields["jurisdiction"].widget = form.fields["jurisdiction"].hidden_widget()
    return form


@require_GET
def membership(request):
    holds_or_404(request.user, Capability.VIEW_MEMBERSHIP)
    # Each with its officials due for review, suspended and dormant (accounts/reviews.py).
    jurisdictions = reviews.with_review_counts(selectors.jurisdiction_list(user=request.user))
    if can(request.user, Capability.MANAGE_JURISDICTIONS) is False and jurisdictions.count() == 1:
        return redirect("jurisdiction_detail", code=jurisdictions.get().code)
    context = {
        "jurisdictions": jurisdictions,
        "secretariat": _with_erasure(
            request.user, selectors.officials_of(user=request.user, jurisdiction=None)
        ),
        "co_chairs": selectors.co_chairs(user=request.user),
        "can_admit": can(request.user, Capability.MANAGE_JURISDICTIONS),
        "can_invite": can(request.user, Capability.INVITE_OFFICIALS),
        "can_appoint_secretariat": can_grant(request.user, Role.SECRETARIAT, None),
        "can_review": may_review_access(request.user),
    }
    return render(request, "accounts/membership.html", context)


def _with_erasure(user: User, officials) -> list[User]:
    """Officials as listed, each knowing whether `user` may erase them once they have left."""
    officials = list(officials)
    for official in officials:
        official.may_erase = can(user, Capability.ERASE_OFFICIALS, official)
    return officials


@require_http_methods(["GET", "POST"])
def jurisdiction_admit(request):
    holds_or_404(request.user, Capability.MANAGE_JURISDICTIONS)
    form = JurisdictionAdmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            jurisdiction = services.jurisdiction_admit(
                actor=request.user, request=request, **form.cleaned_data
            )
        if attempt.succeeded:
            messages.success(request, _("%(name)s is admitted.") % {"name": jurisdiction})
            return redirect("jurisdiction_detail", code=jurisdiction.code)
    return render(request, "accounts/jurisdiction_admit.html", {"form": form})


@require_GET
def jurisdiction_detail(request, code: str):
    jurisdiction = get_visible_or_404(request.user, Jurisdiction, code=code)
    officials = list(selectors.officials_of(user=request.user, jurisdiction=jurisdiction))
    for official in officials:
        # Per row: a focal point may not act on a Co-Chair of their own jurisdiction, say.
        official.may_deactivate = can(request.user, Capability.DEACTIVATE_OFFICIALS, official)
        official.may_erase = can(request.user, Capability.ERASE_OFFICIALS, official)
    invite_form = _invitation_form(request, jurisdiction)
    context = {
        "jurisdiction": jurisdiction,
        "officials": officials,
        "invitations": selectors.pending_invitations(user=request.user, jurisdiction=jurisdiction),
        "status_form": JurisdictionStatusForm(initial={"status": jurisdiction.status}),
        "deactivate_form": DeactivateForm(),
        "can_manage": can(request.user, Capability.MANAGE_JURISDICTIONS, jurisdiction),
        "can_invite": can(request.user, Capability.INVITE_OFFICIALS, jurisdiction),
        # No form where no role fits (a former member): nothing is offered that would be refused.
        "invite_form": invite_form if invite_form.fields["role"].choices else None,
        "invitation_days": settings.ENCLAVE_INVITATION_DAYS,
        "can_appoint_co_chairs": can_grant(request.user, Role.CO_CHAIR, jurisdiction.pk),
        "can_designate_focal_points": can_grant(request.user, Role.FOCAL_POINT, jurisdiction.pk),
    }
    return render(request, "accounts/jurisdiction_detail.html", context)


@require_http_methods(["GET", "POST"])
def jurisdiction_status(request, code: str):
    """GET: what the new status would do, with a form to confirm it and give a reason; nothing
    changes (without a valid new status the page asks for one). POST: the change."""
    jurisdiction = get_visible_or_404(request.user, Jurisdiction, code=code)
    if request.method == "POST":
        # The service asks the policy: a reader who sees the jurisdiction but may not manage it
        # gets the 403 of an action refused.
        form = JurisdictionStatusForm(request.POST)
        if not form.is_valid():
            say_form_errors(request, form)
            return redirect("jurisdiction_status", code=code)
        if can(request.user, Capability.MANAGE_JURISDICTIONS, jurisdiction):
            confirm_recent_authentication(request)
        with refusals_as_messages(request) as attempt:
            services.jurisdiction_set_status(
                actor=request.user,
                jurisdiction=jurisdiction,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
            jurisdiction.refresh_from_db()
            messages.success(
                request,
                _("%(name)s is now: %(status)s.")
                % {"name": jurisdiction, "status": jurisdiction.get_status_display()},
            )
        if attempt.succeeded:
            return redirect("jurisdiction_detail", code=code)
        again = urlencode({"status": form.cleaned_data["status"]})
        return redirect(f"{reverse('jurisdiction_status', args=[code])}?{again}")
    # The confirmation page exists only for who may make the change.
    if not can(request.user, Capability.MANAGE_JURISDICTIONS, jurisdiction):
        raise Http404
    form = JurisdictionStatusForm(request.GET if "status" in request.GET else None)
    summary = None
    if form.is_valid():
        summary = selectors.status_change_summary(
            jurisdiction=jurisdiction, status=form.cleaned_data["status"]
        )
    context = {"jurisdiction": jurisdiction, "form": form, "summary": summary}
    return render(request, "accounts/jurisdiction_status.html", context)


@require_http_methods(["GET", "POST"])
def invitation_create(request):
    holds_or_404(request.user, Capability.INVITE_OFFICIALS)
    code = request.POST.get("jurisdiction_code") or request.GET.get("jurisdiction") or ""
    jurisdiction = get_visible_or_404(request.user, Jurisdiction, code=code) if code else None
    form = _invitation_form(request, jurisdiction, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            invitation, _token = services.invitation_create(
                actor=request.user,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                jurisdiction=form.cleaned_data["jurisdiction"],
                role=form.cleaned_data["role"],
                language=form.cleaned_data["language"] or None,
                request=request,
            )
        if attempt.succeeded:
            if invitation.email_sent is False:
                messages.error(
                    request,
                    _(
                        "The invitation for %(email)s is saved, but we could not send the email: "
                        "the mail server did not answer. Revoke it and invite again later."
                    )
                    % {"email": invitation.email},
                )
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
            if jurisdiction is not None:
                return redirect("jurisdiction_detail", code=jurisdiction.code)
            return redirect("membership")
    context = {"form": form, "jurisdiction": jurisdiction}
    return render(request, "accounts/invitation_form.html", context)


@require_POST
def invitation_revoke(request, pk: int):
    invitation = get_visible_or_404(request.user, Invitation, pk=pk)
    with refusals_as_messages(request):
        services.invitation_revoke(actor=request.user, invitation=invitation, request=request)
        messages.success(
            request, _("The invitation for %(email)s is revoked.") % {"email": invitation.email}
        )
    if invitation.jurisdiction_id:
        return redirect("jurisdiction_detail", code=invitation.jurisdiction.code)
    return redirect("membership")


def _official_return(official: User):
    if official.jurisdiction_id:
        return redirect("jurisdiction_detail", code=official.jurisdiction.code)
    return redirect("membership")


@require_POST
def official_deactivate(request, pk: int):
    official = get_visible_or_404(request.user, User, pk=pk)
    form = DeactivateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for deactivating this official."))
        return _official_return(official)
    with refusals_as_messages(request):
        services.official_deactivate(
            actor=request.user,
            official=official,
            reason=form.cleaned_data["reason"],
            request=request,
        )
        messages.success(
            request,
            _("%(name)s is deactivated and signed out everywhere.") % {"name": official.full_name},
        )
    return _official_return(official)


@require_POST
def official_reactivate(request, pk: int):
    official = get_visible_or_404(request.user, User, pk=pk)
    with refusals_as_messages(request):
        services.official_reactivate(actor=request.user, official=official, request=request)
        messages.success(request, _("%(name)s is active again.") % {"name": official.full_name})
    return _official_return(official)


@require_POST
def official_role(request, pk: int):
    official = get_visible_or_404(request.user, User, pk=pk)
    role = request.POST.get("role", "")
    if role not in Role:
        messages.error(request, _("Choose a valid role."))
        return _official_return(official)
    granted = request.POST.get("granted") == "1"
    with refusals_as_messages(request):
        services.official_set_role(
            actor=request.user, official=official, role=Role(role), granted=granted, request=request
        )
        messages.success(
            request, _("The role of %(name)s is updated.") % {"name": official.full_name}
        )
    return _official_return(official)


# ------------------------------------------------------------------------------
# Audit log
# ------------------------------------------------------------------------------


AUDIT_PAGE_SIZE = 50


@require_GET
def audit_log(request):
    """Newest first, a page at a time by key (core.pagination): nothing is counted or skipped,
    however long the log. Filters that do not validate show their errors and no events."""
    holds_or_404(request.user, Capability.READ_AUDIT)
    form = AuditFilterForm(request.GET, officials=selectors.audit_officials(user=request.user))
    page, actors = None, []
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
        actors = filters.get("actor", [])
        page = keyset_page(
            selectors.audit_events(user=request.user, **filters),
            before=request.GET.get("before"),
            after=request.GET.get("after"),
            per_page=AUDIT_PAGE_SIZE,
        )
    context = {
        "form": form,
        "page": page,
        # Each event with its actor's parts, its reason and its links, for the whole page at once.
        "rows": []
        if page is None
        else selectors.audit_rows(user=request.user, events=page.object_list),
        "actors": actors,
        "query": query_without_paging(request.GET),
    }
    return render(request, "accounts/audit_log.html", context)


# ------------------------------------------------------------------------------
# Invitation acceptance: the only way to create an account
# ------------------------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    invitation = services.invitation_for_token(token)
    refusal = None
    if invitation is None:
        refusal = _("This invitation link is not valid.")
    elif invitation.state != Invitation.State.PENDING:
        refusal = services.INVITATION_REFUSALS[invitation.state]
    if refusal:
        return render(request, "accounts/invitation_invalid.html", {"refusal": refusal}, status=404)
    if request.user.is_authenticated:
        messages.error(request, _("Sign out before accepting an invitation for another account."))
        return redirect("home")
    form = InvitationAcceptForm(
        request.POST or None, invitation=invitation, initial={"full_name": invitation.full_name}
    )
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            user = services.invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                request=request,
            )
        if attempt.succeeded:
            # The one banner for joining: the sign-in that follows adds none of its own.
            announce(request, _("Welcome to Enclave, %(name)s.") % {"name": user.get_short_name()})
            return perform_login(request, user, email_verification="none", redirect_url="/")
    context = {
        "form": form,
        "invitation": invitation,
        "expires": selectors.invitation_expiry(invitation),
    }
    return render(request, "accounts/invitation_accept.html", context)
