"""Thin views for announcements: the list, one announcement (opening it marks it read), the
compose and edit form for those who post them, withdrawal after a confirmation, and the read
marks (from the dashboard's "Mark as read", with or without JavaScript).

A reader finds only what the policy lets them read (404 otherwise); a reader who may not post
announcements is refused the edit and withdraw pages of one they read (403), and finds no
compose page at all (404, like every page that exists for some roles only).
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.days import last_day
from core.params import choice_param
from core.refusals import errors_into
from dialogues.announcements import selectors, services
from dialogues.announcements.forms import AnnouncementForm
from dialogues.models import Announcement
from workspaces.access import (
    Capability,
    PartnershipAudience,
    can,
    holds_or_404,
    partnership_audiences_for,
    partnership_item_capabilities,
    require,
)

# Where a read mark posted from a page sends its reader back to.
BACK = {"home": "home", "list": "announcement_list"}


def _back(request):
    return redirect(BACK[choice_param(request.POST.get("next"), BACK, default="list")])


@require_GET
def announcement_list(request):
    page = selectors.announcements_page(user=request.user, page_number=request.GET.get("page"))
    announcements = page.object_list = list(page.object_list)
    context = {
        "page": page,
        "announcements": announcements,
        "any_unread": any(not a.is_read for a in announcements),
        "can_post": can(request.user, Capability.POST_ANNOUNCEMENTS),
    }
    return render(request, "dialogues/announcements/announcement_list.html", context)


@require_GET
def announcement_detail(request, pk: int):
    announcement = selectors.visible_announcement(request.user, pk)
    services.announcement_mark_read(actor=request.user, announcement=announcement)
    capabilities = partnership_item_capabilities(request.user, announcement)
    may_change = Capability.POST_ANNOUNCEMENTS in capabilities
    chosen = announcement.audience == PartnershipAudience.JURISDICTIONS
    context = {
        "announcement": announcement,
        "last_day": last_day(announcement.show_until) if announcement.show_until else None,
        "can_change": may_change,
        # Which jurisdictions it went to is for those who post announcements.
        "jurisdictions": selectors.addressed_jurisdictions(announcement)
        if may_change and chosen
        else [],
        # ... and so is how many have read it.
        "readership": selectors.readership(announcement) if may_change else None,
    }
    return render(request, "dialogues/announcements/announcement_detail.html", context)


def _form_page(request, form: AnnouncementForm, announcement: Announcement | None = None):
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "announcement": announcement}
    return render(request, "dialogues/announcements/announcement_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def announcement_create(request):
    holds_or_404(request.user, Capability.POST_ANNOUNCEMENTS)
    audiences = partnership_audiences_for(request.user)
    form = AnnouncementForm(request.POST or None, audiences=audiences)
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            announcement = services.announcement_post(
                actor=request.user, request=request, **form.service_arguments()
            )
        if attempt.succeeded:
            messages.success(request, _("The announcement is posted; its readers are notified."))
            return redirect("announcement_detail", pk=announcement.pk)
    return _form_page(request, form)


def _to_change(request, pk) -> Announcement:
    """An announcement its authors' pages act on: 404 where the reader may not read it, 403
    where they read it but do not post announcements."""
    announcement = selectors.visible_announcement(request.user, pk)
    require(request.user, Capability.POST_ANNOUNCEMENTS, announcement)
    return announcement


@require_http_methods(["GET", "POST"])
def announcement_edit(request, pk: int):
    announcement = _to_change(request, pk)
    audiences = partnership_audiences_for(request.user)
    form = AnnouncementForm(
        request.POST or None,
        audiences=audiences,
        initial=AnnouncementForm.initial_of(announcement),
    )
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            services.announcement_edit(
                actor=request.user,
                announcement=announcement,
                request=request,
                **form.service_arguments(),
            )
        if attempt.succeeded:
            messages.success(request, _("The announcement is saved."))
            return redirect("announcement_detail", pk=announcement.pk)
    return _form_page(request, form, announcement)


@require_http_methods(["GET", "POST"])
def announcement_withdraw(request, pk: int):
    announcement = _to_change(request, pk)
    if request.method == "POST":
        services.announcement_withdraw(
            actor=request.user, announcement=announcement, request=request
        )
        messages.success(request, _("The announcement is withdrawn: nobody sees it any more."))
        return redirect("announcement_list")
    context = {"announcement": announcement}
    return render(request, "dialogues/announcements/announcement_withdraw.html", context)


@require_POST
def announcement_read(request, pk: int):
    announcement = selectors.visible_announcement(request.user, pk)
    services.announcement_mark_read(actor=request.user, announcement=announcement)
    if request.htmx:
        # The dashboard swaps its entry for this note; the page's other entries stay.
        context = {"announcement": announcement}
        return render(request, "dialogues/announcements/_marked_read.html", context)
    messages.success(request, _("“%(title)s” is marked as read.") % {"title": announcement.title})
    return _back(request)


@require_POST
def announcements_read(request):
    services.announcements_mark_all_read(actor=request.user)
    messages.success(request, _("All announcements are marked as read."))
    return _back(request)
