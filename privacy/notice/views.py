"""The privacy page, open to anyone (signed out: in the sign-in page's layout), and its editing
page for the Secretariat (404 to everyone else, like every page that exists for some roles
only): one tab per language, the Markdown text, save or remove that language's text."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.params import choice_param
from core.refusals import errors_into, refusals_as_messages
from privacy.notice import selectors, services
from privacy.notice.forms import PrivacyNoticeForm
from workspaces.access import Capability, can, holds_or_404


@login_not_required
@require_GET
def privacy_notice(request):
    notice = selectors.notice_for(translation.get_language())
    context = {
        "notice": notice,
        "can_edit": can(request.user, Capability.EDIT_PRIVACY_NOTICE),
    }
    return render(request, "privacy/notice.html", context)


def _edit_url(language: str) -> str:
    return f"{reverse('privacy_notice_edit')}?{urlencode({'language': language})}"


@require_http_methods(["GET", "POST"])
def privacy_notice_edit(request):
    holds_or_404(request.user, Capability.EDIT_PRIVACY_NOTICE)
    posted = request.method == "POST"
    codes = [code for code, _name in settings.LANGUAGES]
    asked = (request.POST if posted else request.GET).get("language")
    language = choice_param(asked, codes, default=settings.LANGUAGE_CODE)
    if posted and "remove" in request.POST:
        return _remove(request, asked, language)
    languages = selectors.notice_languages()
    chosen = next(entry for entry in languages if entry.code == language)
    form = PrivacyNoticeForm(
        request.POST if posted else None,
        initial={"language": language, "source": chosen.notice.source if chosen.notice else ""},
        language=language,
        language_name=chosen.name,
    )
    if posted and form.is_valid():
        with errors_into(form) as attempt:
            services.privacy_notice_save(
                actor=request.user,
                language=form.cleaned_data["language"],
                source=form.cleaned_data["source"],
                request=request,
            )
        if attempt.succeeded:
            messages.success(
                request,
                _("The privacy notice in %(language)s is saved.") % {"language": chosen.name},
            )
            return redirect(_edit_url(language))
    fallback = next(e for e in languages if e.code == settings.LANGUAGE_CODE)
    context = {
        "form": form,
        "languages": languages,
        "chosen": chosen,
        "default_language": settings.LANGUAGE_CODE,
        # What its readers read while this language has no text of its own.
        "fallback": fallback if fallback.notice and fallback.code != language else None,
    }
    return render(request, "privacy/notice_edit.html", context, status=400 if posted else 200)


def _remove(request, asked: str | None, language: str):
    with refusals_as_messages(request):
        services.privacy_notice_remove(actor=request.user, language=asked or "", request=request)
        name = dict(settings.LANGUAGES)[language]
        messages.success(
            request,
            _("The text in %(language)s is removed: its readers read the fallback notice.")
            % {"language": name},
        )
    return redirect(_edit_url(language))
