"""The notifications page, its links and the preferences."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dialogues.notifications import selectors, services
from dialogues.notifications.forms import PreferencesForm
from dialogues.notifications.services import notification_link, preferences_of


@require_GET
def notifications(request):
    page = selectors.notifications_page(
        user=request.user, before=request.GET.get("before"), after=request.GET.get("after")
    )
    return render(
        request,
        "dialogues/notifications/notifications.html",
        {"notifications": page.object_list, "page": page},
    )


@require_POST
def notifications_read(request):
    services.notifications_mark_read(actor=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications")


@require_GET
def notification_open(request, pk: int):
    notification = selectors.visible_notifications(user=request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    services.notifications_mark_read(actor=request.user, ids=[pk])
    return redirect(notification_link(notification))


@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    preference = preferences_of(request.user)
    initial = {f: getattr(preference, f) for f in PreferencesForm.base_fields}
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.preferences_update(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notification_preferences")
    return render(request, "dialogues/notifications/notification_preferences.html", {"form": form})
