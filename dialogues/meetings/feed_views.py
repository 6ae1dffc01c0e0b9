"""The calendar feed's two doors: the feed itself (opened by its token alone, no session), and
the profile's "Reset the link" button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import feed_tokens
from accounts.services import site_url
from dialogues.meetings.feeds import FeedRateLimited, feed_calendar, feed_rate_take


@login_not_required  # a calendar app has no session: the token is the credential
@require_GET
def calendar_feed(request, token: str):
    """The official's sessions as iCalendar. Unknown, replaced and standing-less tokens all get
    the same 404; too many fetches of one token a 429 with Retry-After."""
    try:
        feed_rate_take(digest=feed_tokens.token_digest(token[: feed_tokens.MAX_TOKEN_LENGTH + 1]))
    except FeedRateLimited as limited:
        response = HttpResponse(status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(limited.retry_after)
        return response
    record = feed_tokens.feed_token_resolve(token)
    if record is None:
        # Plain text, not the HTML 404 page: a calendar app reads it, and the page would start
        # a CSRF cookie. One body for every refusal.
        return HttpResponseNotFound("Not found\n", content_type="text/plain; charset=utf-8")
    body = feed_calendar(
        user=record.user,
        base_url=site_url(request),
        host=request.get_host().split(":")[0] or "enclave",
    )
    feed_tokens.feed_fetch_audit(record=record, request=request)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="enclave-sessions.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
def calendar_feed_reset(request):
    """Create the official's feed link, or replace it (the old one stops working at once)."""
    replacing = feed_tokens.has_feed_token(request.user)
    feed_tokens.feed_token_reset(actor=request.user, request=request)
    if replacing:
        messages.success(
            request,
            _(
                "Your new calendar link is below. The old link no longer works: subscribe your "
                "calendar app to the new one."
            ),
        )
    else:
        messages.success(request, _("Your calendar link is ready: subscribe to it below."))
    return redirect("profile")
