"""One way for a view to answer a service that says no.

A service refuses with ValidationError (the action is not possible; its messages say why) or
PermissionDenied (the policy does not allow it). Views do not catch either by hand; they say
where the refusal goes:

- a form page shows it on the form and renders again: `with errors_into(form) as attempt:`;
- an action that returns to the same page either way shows it as messages:
  `with refusals_as_messages(request):` around the call and its success message;
- an action whose refusal goes back elsewhere than its success: `@refusals_redirect_to(back)`.

Http404 always propagates, and PermissionDenied does too unless the view opts in with
`permission_denied=True` (actions whose policy refusal reads as a message on the page they
return to): a page the user may not open stays Django's 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect

Refusal = ValidationError | PermissionDenied

# Reading a page refuses nothing: only an action has a page to go back to.
_READS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass
class Attempt:
    """What a guarded block came to: it succeeded, or `error` is the refusal it was answered
    with."""

    error: Refusal | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


def say_refusal(request, error: Refusal) -> None:
    """Why a service refused, as error messages: each of a ValidationError's, or the
    PermissionDenied's own."""
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(error))


def say_form_errors(request, form) -> None:
    """A form posted from another page: its errors become messages on the page it returns to."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _caught(permission_denied: bool) -> tuple[type[Exception], ...]:
    return (ValidationError, PermissionDenied) if permission_denied else (ValidationError,)


@contextmanager
def errors_into(form, field: str | None = None) -> Iterator[Attempt]:
    """A ValidationError raised in the block is added to `form` (on `field`, or the form as a
    whole) for the view to render it again; `attempt.succeeded` says whether it was."""
    attempt = Attempt()
    try:
        yield attempt
    except ValidationError as error:
        form.add_error(field, error)
        attempt.error = error


@contextmanager
def refusals_as_messages(request, *, permission_denied: bool = False) -> Iterator[Attempt]:
    """A refusal raised in the block becomes error messages and ends the block; the view goes
    on (to its redirect). Put the success message inside the block: a refusal skips it."""
    attempt = Attempt()
    try:
        yield attempt
    except _caught(permission_denied) as error:
        say_refusal(request, error)
        attempt.error = error


def refusals_redirect_to(back: str | Callable[..., str], *, permission_denied: bool = False):
    """Decorate an action: a refusal it raises becomes error messages and a redirect to `back`,
    a URL or URL name, or a callable given the view's arguments (`lambda request, slug: ...`)
    that returns one. The whole view is guarded, so keep it to one action: whatever it wrote
    before the refusal stays written."""
    caught = _caught(permission_denied)

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if request.method in _READS:
                return view(request, *args, **kwargs)
            try:
                return view(request, *args, **kwargs)
            except caught as error:
                say_refusal(request, error)
                return redirect(back(request, *args, **kwargs) if callable(back) else back)

        return guarded

    return decorator
