"""The deployment's environment file, read as systemd reads it (config/envfile.py), and the
guide's own example parsed by it: what the guide shows is what every command gets."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.envfile import KNOWN, EnvFileError, parse, take_env_file_option, unknown_names

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deploy" / "README.md"


def guide_env_example() -> str:
    """The env file block of the deployment guide (step 4)."""
    text = GUIDE.read_text()
    section = text[text.index("## 4. The environment file") : text.index("## 5.")]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return next(block for block in blocks if "DJANGO_SETTINGS_MODULE=" in block)


def test_the_guides_example_parses_whole_with_no_unknown_name():
    values = parse(guide_env_example())
    # A value with spaces and angle brackets survives (a shell stopped there before).
    assert values["DEFAULT_FROM_EMAIL"] == "Enclave <enclave@example.org>"
    # Every variable after it is set too.
    assert values["ENCLAVE_CHAT_RATE_WINDOW"] == "10"
    assert values["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert unknown_names(values) == []


@pytest.mark.parametrize(
    "line, value",
    [
        ("A=plain", "plain"),
        ("A = spaced  ", "spaced"),
        ('A="Enclave <x@example.org>"', "Enclave <x@example.org>"),
        ("A='it is $HOME'", "it is $HOME"),
        (r'A="a \"quoted\" word"', 'a "quoted" word'),
        ("A=", ""),
        ("A=Enclave <x@example.org>", "Enclave <x@example.org>"),
    ],
)
def test_values_as_systemd_reads_them(line, value):
    assert parse(f"# comment\n; another\n\n{line}\n") == {"A": value}


@pytest.mark.parametrize(
    "text, message",
    [
        ("A=1\nexport B=2\n", "line 2: no `export`"),
        ("A=1\nB=2\njust words\n", "line 3: expected NAME=value"),
        ('A="unclosed\n', 'line 1: the " quote is not closed'),
        ("A='x' trailing\n", "line 1: text after the closing quote"),
        ("1A=x\n", "line 1: '1A' is not a variable name"),
        ("A=1\nA=2\n", "line 2: A is set twice"),
        ("A=oops'\n", "line 1: a closing ' without an opening one"),
    ],
)
def test_each_bad_line_is_named(text, message):
    with pytest.raises(EnvFileError, match=re.escape(message)):
        parse(text, source="env")


def test_a_misspelt_name_is_reported_with_its_likely_meaning():
    assert unknown_names({"DATABSE_URL": "x"}) == [
        "DATABSE_URL is not a variable Enclave reads (did you mean DATABASE_URL?)"
    ]


def test_the_option_is_taken_off_the_command_line():
    assert take_env_file_option(["manage.py", "--env-file", "/e", "migrate"]) == (
        "/e",
        ["manage.py", "migrate"],
    )
    assert take_env_file_option(["manage.py", "--env-file=/e", "check"]) == (
        "/e",
        ["manage.py", "check"],
    )
    assert take_env_file_option(["manage.py", "check"]) == (None, ["manage.py", "check"])


def run_manage(*args, env_file: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", "--env-file", str(env_file), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_manage_py_loads_the_file_and_refuses_a_bad_one(tmp_path):
    good = tmp_path / "env"
    good.write_text(
        'DJANGO_SETTINGS_MODULE=config.settings.test\nDEFAULT_FROM_EMAIL="Enclave <e@x.org>"\n'
    )
    shown = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEFAULT_FROM_EMAIL)",
        env_file=good,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip().splitlines()[-1] == "Enclave <e@x.org>"
    bad = tmp_path / "bad"
    bad.write_text("DJANGO_SETTINGS_MODULE=config.settings.test\nexport X=1\n")
    refused = run_manage("check", env_file=bad)
    assert refused.returncode != 0
    assert f"{bad}, line 2: no `export`" in refused.stderr


def test_every_variable_the_production_settings_read_is_known():
    """A variable the settings read but the reader does not know would be reported as a typo
    in a correct environment file: every name read in base and production settings is known."""
    settings_dir = ROOT / "config" / "settings"
    read = set()
    for name in ("base.py", "production.py"):
        text = (settings_dir / name).read_text()
        read |= set(
            re.findall(r"""(?:environ\.get|env_bool)\(\s*["']([A-Z][A-Z0-9_]*)["']""", text)
        )
    assert read, "no variable found: the pattern no longer matches the settings"
    assert read <= KNOWN, sorted(read - KNOWN)
