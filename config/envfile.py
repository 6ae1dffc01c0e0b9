"""The environment file of a deployment (/etc/enclave/env), read as systemd reads it.

systemd gives the file to every daphne instance (`EnvironmentFile=`); management commands and
cron jobs read the very same file through this module (`manage.py --env-file FILE …`), never
through a shell, where a value such as `Enclave <enclave@example.org>` is a syntax error that
silently unsets every later variable. The syntax is systemd's:

- one `NAME=value` per line; blank lines and lines starting with `#` or `;` are ignored;
- a value may be wrapped in double quotes (backslash escapes `\\"`, `\\\\`, `\\n`) or single
  quotes (taken as written); an unquoted value runs to the end of the line, trimmed;
- names are letters, digits and underscores, not starting with a digit.

Anything else (a line without `=`, an `export` prefix, an unclosed quote, text after a closing
quote, a name given twice) is an error that names the line. A name Enclave does not know is
reported as a warning, so a misspelt `DATABSE_URL` does not go unnoticed.

`python -m config.envfile FILE` checks a file and prints what it found.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from pathlib import Path

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "$": "$", "`": "`"}

# Every variable the settings, the deployment guide and the commands read.
KNOWN = frozenset(
    {
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "DATABASE_URL",
        "DATABASE_POOL_MAX_SIZE",
        "DATABASE_POOL_TIMEOUT",
        "REDIS_URL",
        "CACHE_KEY_PREFIX",
        "TRUSTED_PROXY_COUNT",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        "DEFAULT_FROM_EMAIL",
        "SERVER_EMAIL",
        "ENCLAVE_MFA_REQUIRED_FOR_ALL",
        "ENCLAVE_SITE_URL",
        "ENCLAVE_VAR_DIR",
        "ENCLAVE_DOCUMENTS_DIR",
        "ENCLAVE_DOCUMENT_MAX_BYTES",
        "ENCLAVE_DOCUMENTS_X_ACCEL_PREFIX",
        "ENCLAVE_INVITATION_DAYS",
        "ENCLAVE_CHAT_MAX_SOCKETS_PER_USER",
        "ENCLAVE_CHAT_RATE_BURST",
        "ENCLAVE_CHAT_RATE_WINDOW",
        "ENCLAVE_WATERMARK_CONCURRENCY",
        "ENCLAVE_WATERMARK_WAIT_SECONDS",
        "ENCLAVE_REQUEST_LOG_LEVEL",
        "ENCLAVE_BACKUP_DIR",
        "ENCLAVE_DEBUG",
        "ENCLAVE_ACCESS_REVIEW_MONTHS",
        "ENCLAVE_API_FAILURES_PER_MINUTE",
        "ENCLAVE_API_RATE",
        "ENCLAVE_API_WRITE_RATE",
        "ENCLAVE_DATA_EXPORTS_DIR",
        "ENCLAVE_DATA_EXPORT_DAYS",
        "ENCLAVE_DORMANT_DAYS",
        "ENCLAVE_REAUTHENTICATION_TIMEOUT",
        "ENCLAVE_RETAIN_AUDIT_DAYS",
        "ENCLAVE_RETAIN_DATA_EXPORTS_DAYS",
        "ENCLAVE_RETAIN_EMAIL_LOG_DAYS",
        "ENCLAVE_RETAIN_INVITATIONS_DAYS",
        "ENCLAVE_RETAIN_NOTIFICATIONS_DAYS",
        "ENCLAVE_RETAIN_SESSION_CHAT_DAYS",
        "ENCLAVE_RETAIN_TASK_RESULTS_DAYS",
        "ENCLAVE_SESSION_IDLE_TIMEOUT",
        "ENCLAVE_SESSION_MAX_AGE",
        "ENCLAVE_SESSION_WARNING",
        "TZ",
        "LANG",
        "PATH",
    }
)


class EnvFileError(ValueError):
    """The file cannot be read as an environment file; the message names the line."""


def _value(raw: str, where: str) -> str:
    if not raw:
        return ""
    quote = raw[0]
    if quote not in "\"'":
        if raw[-1] in "\"'" and raw.count(raw[-1]) == 1:
            raise EnvFileError(f"{where}: a closing {raw[-1]} without an opening one")
        return raw
    out, index = [], 1
    while index < len(raw):
        char = raw[index]
        if char == quote:
            rest = raw[index + 1 :].strip()
            if rest:
                raise EnvFileError(f"{where}: text after the closing quote: {rest[:30]!r}")
            return "".join(out)
        if char == "\\" and quote == '"' and index + 1 < len(raw):
            following = raw[index + 1]
            out.append(ESCAPES.get(following, "\\" + following))
            index += 2
            continue
        out.append(char)
        index += 1
    raise EnvFileError(f"{where}: the {quote} quote is not closed on this line")


def parse(text: str, *, source: str = "the environment file") -> dict[str, str]:
    """NAME -> value for every assignment in `text`; raises EnvFileError on the first bad
    line."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        where = f"{source}, line {number}"
        if stripped.startswith("export "):
            raise EnvFileError(f"{where}: no `export` (systemd does not accept it)")
        name, equals, raw = stripped.partition("=")
        name = name.strip()
        if not equals:
            raise EnvFileError(f"{where}: expected NAME=value, found {stripped[:40]!r}")
        if not NAME.match(name):
            raise EnvFileError(f"{where}: {name[:40]!r} is not a variable name")
        if name in found:
            raise EnvFileError(f"{where}: {name} is set twice")
        found[name] = _value(raw.strip(), where)
    return found


def unknown_names(values: dict[str, str]) -> list[str]:
    """One warning per name Enclave does not read, with the nearest known name."""
    warnings = []
    for name in values:
        if name in KNOWN:
            continue
        near = difflib.get_close_matches(name, KNOWN, n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        warnings.append(f"{name} is not a variable Enclave reads{hint}")
    return warnings


def read(path: str | os.PathLike) -> dict[str, str]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise EnvFileError(f"{path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise EnvFileError(f"{path}: is not UTF-8 text") from None
    return parse(text, source=str(path))


def load(path: str | os.PathLike, *, stderr=sys.stderr) -> dict[str, str]:
    """Put the file's variables into this process's environment (the file wins, as it does
    for systemd's units); warnings go to `stderr`."""
    values = read(path)
    for warning in unknown_names(values):
        print(f"warning: {path}: {warning}", file=stderr)
    os.environ.update(values)
    return values


def take_env_file_option(argv: list[str]) -> tuple[str | None, list[str]]:
    """`--env-file FILE` or `--env-file=FILE` right after the program name, and the rest."""
    if len(argv) > 1 and argv[1].startswith("--env-file="):
        return argv[1].split("=", 1)[1], [argv[0], *argv[2:]]
    if len(argv) > 2 and argv[1] == "--env-file":
        return argv[2], [argv[0], *argv[3:]]
    if len(argv) > 1 and argv[1] == "--env-file":
        raise EnvFileError("--env-file needs a file name")
    return None, argv


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m config.envfile /etc/enclave/env", file=sys.stderr)
        return 2
    try:
        values = read(argv[1])
    except EnvFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for warning in unknown_names(values):
        print(f"warning: {argv[1]}: {warning}", file=sys.stderr)
    print(f"{argv[1]}: {len(values)} variables: {', '.join(sorted(values))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
