"""Bulk invitations from a CSV: reading the file, each row's verdict, the same rules as a single
invitation, nothing sent before a clean confirmed preview, and a preview that cannot be forged."""

from __future__ import annotations

import time

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import bulk_invitations as bulk
from accounts import services
from accounts.bulk_invitations import RowStatus
from accounts.models import AuditEvent, Invitation, Jurisdiction

HEADER = "email,name,jurisdiction,role,language\n"


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "".join(f"{line}\n" for line in lines)).encode(encoding)


def verdicts(actor, *lines, context=None):
    rows = bulk.parse_csv(csv_bytes(*lines))
    return bulk.classify(actor=actor, rows=rows, context=context).verdicts


def one(actor, line, context=None):
    (verdict,) = verdicts(actor, line, context=context)
    return verdict


# ------------------------------------------------------------------------------
# Reading the file
# ------------------------------------------------------------------------------


def test_reads_utf8_with_a_bom_and_commas():
    data = "\ufeff".encode() + csv_bytes("ana@example.org,Ana Núñez,eu,official,en")
    (row,) = bulk.parse_csv(data)
    assert row == bulk.Row(2, "ana@example.org", "Ana Núñez", "eu", "official", "en")


def test_reads_semicolons_quotes_and_columns_in_any_order():
    data = csv_bytes(
        'eu;"Laurent; Camille";camille@example.org;;',
        header="Jurisdiction code;Full name;Email;Role;Language\n",
    )
    (row,) = bulk.parse_csv(data)
    assert (row.email, row.name, row.jurisdiction, row.role) == (
        "camille@example.org",
        "Laurent; Camille",
        "eu",
        "",
    )


def test_blank_lines_are_skipped_and_short_rows_padded():
    rows = bulk.parse_csv(csv_bytes("", "a@example.org,A", ",,,,", "b@example.org,B,eu"))
    assert [(r.number, r.email, r.language) for r in rows] == [
        (3, "a@example.org", ""),
        (5, "b@example.org", ""),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (csv_bytes("a@example.org", header="mail,name,jurisdiction,role\n"), "must name"),
        (csv_bytes("a@example.org,Ana,eu,official,en,extra"), "has 6 values"),
        (
            "email,name,jurisdiction,role,language\nb@x.org,Élodie,eu,,en\n".encode("latin-1"),
            "UTF-8",
        ),
        (csv_bytes('a@example.org,"Ana"x,eu,official,en'), "cannot be read"),
        (b"", "empty"),
        (csv_bytes(), "no one to invite"),
        (b"email name jurisdiction role language\nx\n", "told apart"),
    ],
    ids=[
        "bad-header",
        "too-many-cells",
        "bad-encoding",
        "strict-quotes",
        "empty",
        "header-only",
        "no-delimiter",
    ],
)
def test_refuses_a_file_it_cannot_read(data, message):
    with pytest.raises(ValidationError, match=message):
        bulk.parse_csv(data)


def test_refuses_too_many_rows_and_too_many_bytes():
    lines = [f"p{n}@example.org,,eu,," for n in range(bulk.MAX_ROWS)]
    assert len(bulk.parse_csv(csv_bytes(*lines))) == bulk.MAX_ROWS
    with pytest.raises(ValidationError, match=f"more than {bulk.MAX_ROWS} rows"):
        bulk.parse_csv(csv_bytes(*lines, "one-more@example.org,,eu,,"))
    with pytest.raises(ValidationError, match="larger than 256 KiB"):
        bulk.parse_csv(csv_bytes("a@example.org," + "x" * bulk.MAX_BYTES))


# ------------------------------------------------------------------------------
# Each row's verdict
# ------------------------------------------------------------------------------


def test_each_status(world):
    services.invitation_create(
        actor=world.cochair,
        email="pending@example.org",
        full_name="",
        jurisdiction=world.eu,
        role="official",
    )
    found = verdicts(
        world.cochair,
        "new@example.org,New,eu,official,en",
        "Member@Example.test,,eu,official,",  # world.member, in another case
        "PENDING@example.org,,eu,official,",
        "not-an-address,,eu,official,en",
    )
    assert [v.status for v in found] == [
        RowStatus.WILL_INVITE,
        RowStatus.ALREADY_MEMBER,
        RowStatus.ALREADY_INVITED,
        RowStatus.INVALID,
    ]
    assert found[0].jurisdiction == world.eu and found[0].role == "official"
    assert "not a valid email address" in found[3].reason


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (",Nobody,eu,official,en", "email address is missing"),
        ("a@example.org,,xx,official,en", "No jurisdiction with the code “xx”"),
        ("a@example.org,,eu,emperor,en", "is not a role"),
        ("a@example.org,,eu,official,de", "language “de” is not offered"),
        ("a@example.org,,at,official,en", "former member"),  # Atlantis
        ("a@example.org,,,official,en", "Choose the jurisdiction"),
        ("a@example.org,,eu,secretariat,en", "do not belong to a jurisdiction"),
        ("a@example.org," + "n" * 151 + ",eu,official,en", "longer than 150"),
    ],
)
def test_invalid_rows_say_why(world, line, reason):
    verdict = one(world.cochair, line)
    assert verdict.status is RowStatus.INVALID
    assert reason in verdict.reason


def test_duplicate_email_within_the_file(world):
    found = verdicts(
        world.cochair, "a@example.org,,eu,,", "b@example.org,,eu,,", "A@example.org,,nz,,"
    )
    assert [v.status for v in found][:2] == [RowStatus.WILL_INVITE] * 2
    assert found[2].status is RowStatus.INVALID
    assert "on row 2 already" in found[2].reason


def test_roles_by_label_in_any_case_and_blank_is_an_official(world):
    found = verdicts(
        world.cochair,
        "a@example.org,,eu,Focal point,",
        "b@example.org,,eu,CO-CHAIR,",
        "c@example.org,,,Secretariat staff,",
        "d@example.org,,eu,,",
    )
    assert [v.role for v in found] == ["focal_point", "co_chair", "secretariat", "official"]
    assert all(v.status is RowStatus.WILL_INVITE for v in found)


def test_a_language_offered_is_taken(world, settings):
    settings.LANGUAGES = [("en", "English"), ("fr", "French")]
    assert one(world.cochair, "a@example.org,,eu,,FR").language == "fr"


# ------------------------------------------------------------------------------
# The same rules as single invitations
# ------------------------------------------------------------------------------


def test_focal_point_cannot_invite_into_another_jurisdiction(world):
    verdict = one(world.focal_point, "a@example.org,,nz,official,en")
    assert verdict.status is RowStatus.INVALID
    # Another jurisdiction reads as unknown: nothing says it exists.
    assert "No jurisdiction with the code “nz”" in verdict.reason


@pytest.mark.parametrize("role", ["co_chair", "secretariat", "focal_point"])
def test_focal_point_grants_nothing_beyond_their_role(world, role):
    jurisdiction = "" if role == "secretariat" else "eu"
    verdict = one(world.focal_point, f"a@example.org,,{jurisdiction},{role},en")
    assert verdict.status is RowStatus.INVALID
    assert one(world.focal_point, "a@example.org,,eu,official,en").status is RowStatus.WILL_INVITE


def test_secretariat_cannot_invite_secretariat_staff_but_a_co_chair_can(world):
    line = "a@example.org,,,secretariat,en"
    assert "You may not invite" in one(world.secretariat, line).reason
    assert one(world.cochair, line).status is RowStatus.WILL_INVITE


def test_observer_jurisdictions_offer_no_co_chair(world):
    verdict = one(world.cochair, "a@example.org,,cl,co_chair,en")
    assert verdict.status is RowStatus.INVALID
    assert "full-member jurisdictions" in verdict.reason
    assert one(world.cochair, "a@example.org,,cl,official,en").status is RowStatus.WILL_INVITE


def test_an_upload_for_one_jurisdiction_takes_blank_or_its_code_only(world):
    found = verdicts(
        world.focal_point,
        "a@example.org,,,official,en",
        "b@example.org,,EU,official,en",
        "c@example.org,,nz,official,en",
        context=world.eu,
    )
    assert [v.jurisdiction for v in found[:2]] == [world.eu, world.eu]
    assert found[2].status is RowStatus.INVALID
    assert "for European Union only" in found[2].reason


# ------------------------------------------------------------------------------
# The pages: preview, confirm, result
# ------------------------------------------------------------------------------


def upload(client, data: bytes, code: str = ""):
    url = reverse("bulk_invitations")
    post = {"file": SimpleUploadedFile("people.csv", data, content_type="text/csv")}
    if code:
        post["jurisdiction_code"] = code
    return client.post(url, post)


def confirm(client, signed: str):
    return client.post(reverse("bulk_invitations_confirm"), {"preview": signed})


def test_a_bad_row_sends_nothing_and_offers_no_confirmation(world, client_for):
    client = client_for(world.secretariat)
    response = upload(
        client, csv_bytes("ok@example.org,Ok,eu,official,en", "bad@example.org,,xx,official,en")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "correct the file and upload it again" in page
    assert response.context["signed"] is None
    assert 'name="preview"' not in page
    assert reverse("bulk_invitations_confirm") not in page
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_a_clean_file_is_sent_once_confirmed_with_its_audit(
    world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.secretariat)
    data = csv_bytes(
        "ana@example.org,Ana Silva,eu,official,en",
        "bo@example.org,Bo Lind,nz,focal_point,",
        "member@example.test,,eu,official,",  # already a member: left out
    )
    preview = upload(client, data)
    assert [v.status for v in preview.context["preview"].verdicts] == [
        RowStatus.WILL_INVITE,
        RowStatus.WILL_INVITE,
        RowStatus.ALREADY_MEMBER,
    ]
    assert not Invitation.objects.exists()  # nothing before the confirmation
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, preview.context["signed"])
    assert response.status_code == 302
    assert response.url == reverse("bulk_invitations_result")
    sent = Invitation.objects.order_by("pk")
    assert [(i.email, i.jurisdiction, i.role) for i in sent] == [
        ("ana@example.org", world.eu, "official"),
        ("bo@example.org", world.nz, "focal_point"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "bo@example.org"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.INVITATION_SENT).count() == 2
    batch = AuditEvent.objects.get(action=AuditEvent.Action.INVITATIONS_UPLOADED)
    assert batch.actor == world.secretariat
    assert batch.detail == {
        "rows": 3,
        "sent": 2,
        "already_member": 1,
        "already_invited": 0,
        "invitations": [i.pk for i in sent],
    }

    result = client.get(response.url)
    page = result.content.decode()
    assert "ana@example.org" in page and "bo@example.org" in page
    assert "Already a member" in page and "member@example.test" in page

    # The same preview posted again sends nothing more.
    again = confirm(client, preview.context["signed"])
    assert again.status_code == 302 and Invitation.objects.count() == 2


def test_a_tampered_preview_is_refused(world, client_for):
    client = client_for(world.cochair)
    signed = upload(client, csv_bytes("ana@example.org,,eu,official,en")).context["signed"]
    payload = signing.loads(signed, salt="accounts.bulk_invitations.preview")
    payload["rows"][0][4] = "co_chair"
    forged = signing.dumps(payload, salt="another salt", compress=True)
    for bad in (forged, signed[:-2] + ("A" if signed[-2] != "A" else "B") + signed[-1], ""):
        response = confirm(client, bad)
        assert response.status_code == 302
        assert response.url == reverse("bulk_invitations")
    assert not Invitation.objects.exists()
    follow = client.get(reverse("bulk_invitations"))
    assert "This preview is not valid" in follow.content.decode()


def test_a_preview_is_bound_to_its_inviter(world, client_for):
    signed = upload(client_for(world.cochair), csv_bytes("a@example.org,,eu,official,en")).context[
        "signed"
    ]
    confirm(client_for(world.secretariat), signed)
    assert not Invitation.objects.exists()


def test_an_expired_preview_is_refused(world, client_for, monkeypatch):
    client = client_for(world.cochair)
    # The signature's timestamp comes from time.time(): sign it as of long ago.
    long_ago = time.time() - bulk.PREVIEW_MAX_AGE - 60
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: long_ago)
        signed = bulk.preview_sign(
            actor=world.cochair,
            context=None,
            rows=bulk.parse_csv(csv_bytes("a@example.org,,eu,official,en")),
        )
    response = confirm(client, signed)
    assert response.status_code == 302
    assert "expired" in client.get(response.url).content.decode()
    assert not Invitation.objects.exists()


def test_confirm_checks_every_row_again(world, client_for):
    """Between preview and confirm the EU became an observer: its Co-Chair row no longer fits,
    and nothing is sent, not even the rows that still would."""
    client = client_for(world.cochair)
    signed = upload(
        client, csv_bytes("a@example.org,,nz,official,en", "b@example.org,,eu,co_chair,en")
    ).context["signed"]
    Jurisdiction.objects.filter(pk=world.eu.pk).update(status=Jurisdiction.Status.OBSERVER)
    response = confirm(client, signed)
    assert response.status_code == 302
    assert "1 row is no longer valid" in client.get(response.url).content.decode()
    assert not Invitation.objects.exists()


def test_confirm_skips_a_row_invited_meanwhile(world, client_for):
    client = client_for(world.cochair)
    signed = upload(
        client, csv_bytes("a@example.org,,nz,official,en", "b@example.org,,eu,official,en")
    ).context["signed"]
    services.invitation_create(
        actor=world.secretariat,
        email="b@example.org",
        full_name="",
        jurisdiction=world.eu,
        role="official",
    )
    confirm(client, signed)
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "a@example.org",
        "b@example.org",
    ]
    assert AuditEvent.objects.get(action="invitations_uploaded").detail["already_invited"] == 1


def test_a_focal_point_uploads_for_their_own_jurisdiction_only(world, client_for):
    client = client_for(world.focal_point)
    page = client.get(reverse("jurisdiction_detail", kwargs={"code": "eu"})).content.decode()
    assert f"{reverse('bulk_invitations')}?jurisdiction=eu" in page
    assert client.get(reverse("bulk_invitations"), {"jurisdiction": "nz"}).status_code == 404
    response = upload(client, csv_bytes("a@example.org,,,official,en"), code="eu")
    (verdict,) = response.context["preview"].verdicts
    assert verdict.jurisdiction == world.eu and verdict.status is RowStatus.WILL_INVITE
    confirm(client, response.context["signed"])
    assert Invitation.objects.get().jurisdiction == world.eu


def test_a_focal_point_who_lost_the_role_cannot_confirm(world, client_for):
    client = client_for(world.focal_point)
    signed = upload(client, csv_bytes("a@example.org,,,official,en"), code="eu").context["signed"]
    world.focal_point.is_focal_point = False
    world.focal_point.save(update_fields=["is_focal_point"])
    assert confirm(client, signed).status_code == 404
    assert not Invitation.objects.exists()


def test_an_unreadable_file_is_said_next_to_the_field(world, client_for):
    response = upload(client_for(world.cochair), b"\xff\xfe\x00bad")
    assert response.status_code == 200
    assert response.context["preview"] is None
    assert "not UTF-8" in str(response.context["form"].errors["file"])


def test_the_membership_page_links_to_the_upload_and_the_template_downloads(world, client_for):
    client = client_for(world.cochair)
    page = client.get(reverse("membership")).content.decode()
    assert reverse("bulk_invitations") in page
    response = client.get(reverse("bulk_invitations_template"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.decode("utf-8-sig") == "email,name,jurisdiction,role,language\r\n"


def test_the_pages_do_not_exist_for_who_may_not_invite(world, client_for):
    client = client_for(world.member)
    for name in ("bulk_invitations", "bulk_invitations_result", "bulk_invitations_template"):
        assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse("bulk_invitations_confirm"), {"preview": "x"}).status_code == 404
