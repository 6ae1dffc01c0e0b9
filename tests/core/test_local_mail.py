"""`make run`'s email: printed whole in the console and saved under var/mail/ as .eml, as plain
UTF-8, so that a long link (an invitation's) stays on one line and can be clicked or copied."""

import email
import email.policy
import importlib

import pytest

from core.mail import send_email

LINK = "http://127.0.0.1:8000/invitations/" + "Zk3v9Qw7" * 12 + "/"
BODY = f"Kia ora Zoë,\n\nYou are invited to Enclave. Open this link to join:\n{LINK}\n"


@pytest.fixture
def mail_dir(settings, tmp_path):
    directory = tmp_path / "mail"
    settings.MAILERS = {
        "default": {
            "BACKEND": "core.local_mail.LocalEmailBackend",
            "OPTIONS": {"directory": directory},
        }
    }
    return directory


def test_a_long_link_stays_on_one_line_in_the_saved_eml_and_the_console(mail_dir, capsys):
    assert send_email(
        kind="invitation", subject="Invitation à Enclave", body=BODY, to=["zoe@example.org"]
    )

    (saved,) = mail_dir.glob("*.eml")
    assert saved.name.endswith("-invitation-a-enclave.eml")
    data = saved.read_bytes()
    assert LINK.encode() in data.splitlines()
    assert b"quoted-printable" not in data.lower()
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert message["Subject"] == "Invitation à Enclave"
    assert message["Content-Transfer-Encoding"] == "8bit"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == BODY

    printed = capsys.readouterr().out
    assert LINK in printed.splitlines()
    assert "Kia ora Zoë," in printed
    assert "Subject: Invitation à Enclave" in printed


def test_each_message_gets_a_file_of_its_own(mail_dir, capsys):
    for _ in range(3):
        send_email(kind="test", subject="Same subject", body="Hello\n", to=["a@example.org"])

    assert len(list(mail_dir.glob("*-same-subject*.eml"))) == 3
    assert capsys.readouterr().out.count("Subject: Same subject") == 3


def test_make_run_uses_it_and_the_tests_do_not():
    local = importlib.import_module("config.settings.local")
    test = importlib.import_module("config.settings.test")

    assert local.MAILERS["default"]["BACKEND"] == "core.local_mail.LocalEmailBackend"
    assert local.MAILERS["default"]["OPTIONS"]["directory"] == local.VAR_DIR / "mail"
    assert test.MAILERS["default"]["BACKEND"] != "core.local_mail.LocalEmailBackend"
