"""The access review page and its three actions (confirm, end, restore): thin views over
accounts.reviews. Each action posts the official's id; one the reader may not review is 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.params import id_param
from core.refusals import refusals_as_messages

from . import reviews
from .models import User
from .policy import get_from_or_404, may_review_access, reviewable


@require_GET
def access_reviews(request):
    if not may_review_access(request.user):
        raise Http404
    context = {"rows": reviews.review_rows(user=request.user), "due_days": reviews.DUE_WITHIN_DAYS}
    return render(request, "accounts/access_reviews.html", context)


def _official(request) -> User | None:
    """The official the form names, among those the reader may review (404 otherwise); None
    when the form names none."""
    if not may_review_access(request.user):
        raise Http404
    pk = id_param(request.POST.get("official"))
    if pk is None:
        messages.error(request, _("Choose an official."))
        return None
    return get_from_or_404(reviewable(request.user), pk=pk)


@require_POST
def access_review_confirm(request):
    official = _official(request)
    if official is not None:
        with refusals_as_messages(request):
            official = reviews.membership_confirm(
                actor=request.user, official=official, request=request
            )
            messages.success(
                request,
                _("Access of %(name)s confirmed until %(date)s.")
                % {
                    "name": official.full_name,
                    "date": date_format(official.access_review_on, "DATE_FORMAT"),
                },
            )
    return redirect("access_reviews")


@require_POST
def access_review_end(request):
    official = _official(request)
    if official is not None:
        with refusals_as_messages(request):
            reviews.membership_end(
                actor=request.user,
                official=official,
                reason=request.POST.get("reason", "")[:300],
                request=request,
            )
            messages.success(
                request,
                _("Access of %(name)s ended: the account is deactivated and signed out.")
                % {"name": official.full_name},
            )
    return redirect("access_reviews")


@require_POST
def access_review_restore(request):
    official = _official(request)
    if official is not None:
        with refusals_as_messages(request):
            official = reviews.membership_restore(
                actor=request.user, official=official, request=request
            )
            messages.success(
                request,
                _("Access of %(name)s restored until %(date)s.")
                % {
                    "name": official.full_name,
                    "date": date_format(official.access_review_on, "DATE_FORMAT"),
                },
            )
    return redirect("access_reviews")
