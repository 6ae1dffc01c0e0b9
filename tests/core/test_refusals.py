"""The refusal layer: a service's refusal becomes the response users already know, through small
views run behind the real session and messages middleware, and through the account and document
views that use it."""

import pytest
from django import forms
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Invitation, Jurisdiction
from core.refusals import (
    errors_into,
    refusals_as_messages,
    refusals_redirect_to,
    say_form_errors,
    say_refusal,
)
from workspaces import documents
from workspaces.models import Document

TWO_REASONS = ValidationError(["Not today.", "Not here either."])


def run(view, method: str = "post", **kwargs):
    """`view` behind the session and messages middleware: (response, the messages it left)."""
    request = getattr(RequestFactory(), method)("/action/")
    respond = SessionMiddleware(MessageMiddleware(lambda request: view(request, **kwargs)))
    response = respond(request)
    return response, [str(message) for message in get_messages(request)]


def action_raising(error: Exception | None):
    """An action that is refused with `error`, or succeeds and says so."""

    def view(request, **kwargs):
        if error is not None:
            raise error
        messages.success(request, "Done.")
        return redirect("/done/")

    return view


# ------------------------------------------------------------------------------
# @refusals_redirect_to: the action's refusal goes back to where the view says
# ------------------------------------------------------------------------------


def test_a_refused_action_says_every_reason_and_goes_back():
    view = refusals_redirect_to(lambda request, slug: f"/back/{slug}/")(action_raising(TWO_REASONS))
    response, said = run(view, slug="offsets")
    assert response.status_code == 302
    assert response["Location"] == "/back/offsets/"
    assert said == ["Not today.", "Not here either."]


def test_a_done_action_answers_for_itself():
    view = refusals_redirect_to("/back/")(action_raising(None))
    response, said = run(view)
    assert response["Location"] == "/done/"
    assert said == ["Done."]


def test_back_may_be_a_plain_url():
    view = refusals_redirect_to("/back/")(action_raising(TWO_REASONS))
    response, _said = run(view)
    assert response["Location"] == "/back/"


def test_not_found_and_forbidden_stay_django_s_unless_the_action_opts_in():
    for error in (Http404(), PermissionDenied("You cannot do that here.")):
        view = refusals_redirect_to("/back/")(action_raising(error))
        with pytest.raises(type(error)):
            run(view)
    opted_in = refusals_redirect_to("/back/", permission_denied=True)
    response, said = run(opted_in(action_raising(PermissionDenied("You cannot do that here."))))
    assert response["Location"] == "/back/"
    assert said == ["You cannot do that here."]
    with pytest.raises(Http404):
        run(opted_in(action_raising(Http404())))


def test_a_page_read_is_never_turned_into_a_redirect():
    opted_in = refusals_redirect_to("/back/", permission_denied=True)
    for error in (TWO_REASONS, PermissionDenied("No.")):
        with pytest.raises(type(error)):
            run(opted_in(action_raising(error)), method="get")


def test_the_decorated_view_keeps_its_name():
    def document_delete(request):
        return HttpResponse()

    assert refusals_redirect_to("/back/")(document_delete).__name__ == "document_delete"


# ------------------------------------------------------------------------------
# refusals_as_messages: the block's refusal becomes messages, the view goes on
# ------------------------------------------------------------------------------


def guarded(error: Exception | None, **options):
    def view(request):
        with refusals_as_messages(request, **options) as attempt:
            if error is not None:
                raise error
            messages.success(request, "Done.")
        return HttpResponse("ok" if attempt.succeeded else f"refused: {attempt.error}")

    return view


def test_a_refusal_in_the_block_skips_the_rest_and_says_why():
    response, said = run(guarded(TWO_REASONS))
    assert response.content.decode().startswith("refused:")
    assert said == ["Not today.", "Not here either."]


def test_a_block_that_succeeds_says_so():
    response, said = run(guarded(None))
    assert response.content == b"ok"
    assert said == ["Done."]


def test_the_block_lets_not_found_and_forbidden_through_unless_asked():
    with pytest.raises(PermissionDenied):
        run(guarded(PermissionDenied("No.")))
    with pytest.raises(Http404):
        run(guarded(Http404(), permission_denied=True))
    response, said = run(guarded(PermissionDenied("Not yours."), permission_denied=True))
    assert response.content.decode() == "refused: Not yours."
    assert said == ["Not yours."]


# ------------------------------------------------------------------------------
# errors_into: a form page shows the refusal on the form
# ------------------------------------------------------------------------------


class NameForm(forms.Form):
    name = forms.CharField()


def test_a_refusal_lands_on_the_form():
    form = NameForm({"name": "Atlantis"})
    assert form.is_valid()
    with errors_into(form) as attempt:
        raise ValidationError("That name is taken.")
    assert not attempt.succeeded
    assert form.non_field_errors() == ["That name is taken."]


def test_a_refusal_lands_on_the_field_named():
    form = NameForm({"name": "Atlantis"})
    form.is_valid()
    with errors_into(form, "name") as attempt:
        raise ValidationError("That name is taken.")
    assert attempt.error is not None
    assert form.errors == {"name": ["That name is taken."]}


def test_a_form_that_succeeds_keeps_no_error_and_forbidden_is_not_a_form_error():
    form = NameForm({"name": "Atlantis"})
    form.is_valid()
    with errors_into(form) as attempt:
        pass
    assert attempt.succeeded and form.is_valid()
    with pytest.raises(PermissionDenied), errors_into(form):
        raise PermissionDenied
    assert form.is_valid()


# ------------------------------------------------------------------------------
# say_refusal, say_form_errors: messages for the page the action returns to
# ------------------------------------------------------------------------------


def test_say_refusal_and_say_form_errors_leave_one_message_each():
    def view(request):
        say_refusal(request, ValidationError({"code": ["Taken."], "name": ["Too long."]}))
        say_refusal(request, PermissionDenied("Not yours."))
        form = NameForm({})
        form.is_valid()
        say_form_errors(request, form)
        return HttpResponse()

    _response, said = run(view)
    assert said == ["Taken.", "Too long.", "Not yours.", "This field is required."]


# ------------------------------------------------------------------------------
# Through the views that use it: what users saw before, they still see
# ------------------------------------------------------------------------------


def said_to(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def notes(world, dialogue) -> Document:
    return documents.document_upload(
        actor=world.member,
        workspace=dialogue.offsets,
        upload=SimpleUploadedFile("note.txt", b"Notes.\n"),
        title="Notes",
    )


def test_document_delete_refused_goes_back_to_the_document(world, notes, client_for):
    url = reverse("document_delete", kwargs={"slug": "offsets", "pk": notes.pk})
    response = client_for(world.member).post(url, {"reason": ""})
    # The document page again, the error beside the reason (the form checks it first).
    assert response.status_code == 400
    assert response.context["delete_form"].errors["reason"]
    notes.refresh_from_db()
    assert notes.deleted_at is None
    # Someone else's document: the policy's refusal stays a 403.
    assert client_for(world.observer).post(url, {"reason": "Mine now"}).status_code == 403
    done = client_for(world.member).post(url, {"reason": "Superseded"})
    assert done["Location"] == reverse("document_list", kwargs={"slug": "offsets"})
    assert said_to(done) == ["The document is deleted."]


def test_document_upload_refused_shows_on_the_file_field(world, dialogue, client_for):
    response = client_for(world.member).post(
        reverse("document_upload", kwargs={"slug": "offsets"}),
        {
            "file": SimpleUploadedFile("data.xml", b'<?xml version="1.0"?><x/>'),
            "title": "Data",
            "audience": "everyone",
            "marking": "none",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not Document.objects.filter(title="Data").exists()


def test_document_add_version_refused_says_why(world, notes, client_for):
    response = client_for(world.member).post(
        reverse("document_add_version", kwargs={"slug": "offsets", "pk": notes.pk}),
        {"file": SimpleUploadedFile("data.xml", b'<?xml version="1.0"?><x/>')},
    )
    # The document page again, the service's refusal beside the file field.
    assert response.status_code == 400
    errors = response.context["version_form"].errors["file"]
    assert len(errors) == 1 and "uploaded" not in errors[0]
    assert notes.versions.count() == 1


def test_jurisdiction_admit_refused_renders_the_form_again(world, client_for):
    response = client_for(world.cochair).post(
        reverse("jurisdiction_admit"),
        {
            "name": "Another Union",
            "code": "eu",
            "level": Jurisdiction.Level.choices[0][0],
            "status": Jurisdiction.Status.FULL_MEMBER,
            "since": "2024-01-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["The short code “eu” is already in use."]


def test_official_actions_refused_say_why_on_the_jurisdiction_page(world, client_for):
    def post(name: str, official, data=None):
        return client_for(world.cochair).post(reverse(name, kwargs={"pk": official.pk}), data)

    back = reverse("jurisdiction_detail", kwargs={"code": "eu"})
    for response, reason in (
        (post("official_reactivate", world.member), "This official is active."),
        (post("official_role", world.member, {"role": "emperor"}), "Choose a valid role."),
        (post("official_role", world.member, {"role": "focal_point"}), "Nothing to change."),
    ):
        assert response["Location"] == back
        assert said_to(response) == [reason]
    # The policy's refusal stays a 403: one's own roles are changed by someone else.
    assert post("official_role", world.cochair, {"role": "co_chair"}).status_code == 403
    granted = post("official_role", world.member, {"role": "focal_point", "granted": "1"})
    assert said_to(granted) == [f"The role of {world.member.full_name} is updated."]


def test_invitation_revoke_refused_says_why(world, client_for):
    from accounts import services

    invitation, _token = services.invitation_create(
        actor=world.cochair, email="n@x.test", full_name="", jurisdiction=world.nz, role="official"
    )
    url = reverse("invitation_revoke", kwargs={"pk": invitation.pk})
    done = client_for(world.cochair).post(url)
    assert said_to(done) == ["The invitation for n@x.test is revoked."]
    again = client_for(world.cochair).post(url)
    assert again["Location"] == reverse("jurisdiction_detail", kwargs={"code": "nz"})
    assert said_to(again) == ["Only a pending invitation can be revoked."]
    assert Invitation.objects.get(pk=invitation.pk).state == Invitation.State.REVOKED
