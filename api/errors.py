"""Refusals as JSON, the same answers the pages give: a service's ValidationError is a 400 with
its messages; the policy's PermissionDenied a 403 on something the caller may see; anything the
caller may not see, or that does not exist, the same 404. A dialogue whose undertaking the
official has not accepted says so, with where to accept it (in the browser)."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dialogues.chat.services import RateLimited
from workspaces.access import UndertakingPending


def _field_messages(error: ValidationError) -> dict[str, list[str]]:
    """A service's refusal by field ("__all__" for the whole request)."""
    if hasattr(error, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages]
            for field, errors in error.error_dict.items()
        }
    return {"__all__": [str(m) for m in error.messages]}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {field: [messages]}."""
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            name = "__all__" if key in ("non_field_errors", "__all__") else str(key)
            out.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
        return out
    if isinstance(detail, list):
        messages = [str(m) for m in detail if not isinstance(m, (dict, list))]
        out = {prefix or "__all__": messages} if messages else {}
        for m in detail:
            if isinstance(m, (dict, list)):
                out.update(_flatten(m, prefix))
        return out
    return {prefix or "__all__": [str(detail)]}


def _refused(errors: dict[str, list[str]]) -> Response:
    """Every 400 has one shape: `detail` says it in a sentence, `errors` by field."""
    first = next((m for messages in errors.values() for m in messages), _("Invalid request."))
    return Response({"detail": first, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def _default(exc) -> bool:
    return str(exc.detail) == str(type(exc).default_detail)


def _worded(exc, request) -> str | None:
    """DRF's own refusals in Enclave's words, translated by Enclave's catalogs (DRF's are not
    installed: they would reword Django's messages on every form)."""
    if isinstance(exc, exceptions.NotAuthenticated):
        return _("Send a personal access token: Authorization: Bearer enclave_…")
    if isinstance(exc, exceptions.NotFound) and _default(exc):
        return _("Not found.")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _("This address does not take %(method)s.") % {"method": request.method}
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return _("Send JSON, with the header Content-Type: application/json.")
    if isinstance(exc, exceptions.ParseError):
        return _("The body is not valid JSON.")
    if isinstance(exc, exceptions.Throttled):
        seconds = max(1, math.ceil(exc.wait or 1))
        return _("Too many requests with this token: try again in %(seconds)s seconds.") % {
            "seconds": seconds
        }
    if isinstance(exc, exceptions.PermissionDenied) and _default(exc):
        return _("You may not do that.")
    return None


def exception_handler(exc, context):
    if isinstance(exc, UndertakingPending):
        url = reverse("workspace_undertaking", kwargs={"slug": exc.workspace.slug})
        return Response(
            {
                "detail": _(
                    "Accept this dialogue's undertaking in Enclave before you read inside it."
                ),
                "undertaking": context["request"].build_absolute_uri(url),
            },
            status=status.HTTP_403_FORBIDDEN,
        )
    if isinstance(exc, RateLimited):  # the chat's own limit, the same at every door
        response = Response({"detail": exc.messages[0]}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, ValidationError):
        return _refused(_field_messages(exc))
    if isinstance(exc, exceptions.ValidationError):
        return _refused(_flatten(exc.detail))
    response = drf_exception_handler(exc, context)
    worded = _worded(exc, context["request"])
    if response is not None and worded is not None:
        response.data = {"detail": worded}
    return response
