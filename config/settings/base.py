"""Settings shared by every environment. Environment-specific modules import * from here."""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("ENCLAVE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# ------------------------------------------------------------------------------
# Core
# ------------------------------------------------------------------------------
ENCLAVE_ENVIRONMENT = "base"
DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
SITE_ID = 1

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "channels",
    "guardian",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "accounts",
    "workspaces",
    "dialogues",
    "partnership",
    "privacy",
    "api",
    "operations",
    # Not "rest_framework": the API renders JSON only (no templates of its own), and its
    # catalogs would replace Django's wording of shared messages ("This field is required.")
    # on every form; api/errors.py words the refusals the API answers with.
    "drf_spectacular",
    # The API documentation page's Swagger UI, served from our own static files (no CDN).
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "config.logs.RequestLogMiddleware",
    # /healthz answers before anything reads the Host header (load balancers probe by address).
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed in, the language stored on the user wins over the cookie and Accept-Language that
    # LocaleMiddleware read (signed out, those decide alone); before anything writes a message.
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "config.middleware.MalformedRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Idle and absolute session lifetimes (accounts/session_lifetime.py): a lapsed session is
    # signed out before anything else reads it.
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.ThrottledUserSessionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    # A page inside a dialogue whose undertaking the reader has not accepted: to it first.
    "workspaces.undertaking_views.UndertakingGateMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "accounts.context_processors.session_clock",
                "dialogues.notifications.context_processors.notifications",
            ],
        },
    },
]

# ------------------------------------------------------------------------------
# Database and channel layer: SQLite and in-memory unless the environment says otherwise
# ------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'enclave.sqlite3'}",
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
# PostgreSQL: one connection pool per process (docs/deploy/README.md, "Database connections").
# daphne runs each request's sync code in a thread of its own, so a connection kept per thread
# (CONN_MAX_AGE > 0) is never reused: 200 requests left ~70 idle connections behind and the next
# ones were refused. Without a pool (DATABASE_POOL_MAX_SIZE=0) each request opens and closes
# its own, and a process holds as many as it has requests in flight; the pool caps that at its
# size, checks a connection before lending it (one broken by a PostgreSQL restart is replaced,
# not a 500) and gives back idle ones after a minute.
DATABASE_POOL_MAX_SIZE = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "8"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if DATABASE_POOL_MAX_SIZE:
        from psycopg_pool import ConnectionPool

        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_MAX_SIZE,
            "max_idle": 60,
            # Seconds a request waits for a free connection before it fails.
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
            "check": ConnectionPool.check_connection,
        }

REDIS_URL = os.environ.get("REDIS_URL", "")
# redis-py 8 abandons a read after 5 s by default, the very time channels-redis blocks on an idle
# channel (BRPOP): under load the read timed out first and the consumer crashed (close 1011).
REDIS_LAYER_SOCKET_TIMEOUT = 15
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": REDIS_LAYER_SOCKET_TIMEOUT}],
                "capacity": 1000,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "enclave"),
        },
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "config.channel_layers.SweepingInMemoryChannelLayer",
            "CONFIG": {"capacity": 1000},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rendered posts (dialogues/threads/post_fragments.py): in each process's own memory, never in
# Redis, so what officials wrote is not copied into another store. Keys are content digests, so
# processes need not agree; 5,000 fragments of about 3 kB each bound it to ~15 MB a process.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "post-fragments",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}
# The Insights page's figures, kept a few minutes for the charts of the same page view (each
# chart is an image of its own): per process, like the fragments, and keyed by the reader.
CACHES["insights"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "insights-figures",
    "OPTIONS": {"MAX_ENTRIES": 200},
}

# ------------------------------------------------------------------------------
# Background work (django.tasks): queued in the database, run by `manage.py db_worker`
# ------------------------------------------------------------------------------
# `make run` starts one worker beside daphne; production runs db_worker processes (docs/deploy).
# Tests run each task at enqueue (config/settings/test.py). Work that reads an untrusted file
# runs inside the task in a sandboxed subprocess (workspaces/extraction).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# ------------------------------------------------------------------------------
# Authentication: allauth, invitation-only, MFA
# ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "accounts.backends.OfficialBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapter.EnclaveAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_MAX_EMAIL_ADDRESSES = 2
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Enclave] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "confirm_email": "1/3m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

MFA_ADAPTER = "accounts.adapter.EnclaveMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Enclave"
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
# allauth's security key forms with their one unlabelled field labelled, so it is translated.
MFA_FORMS = {
    "add_webauthn": "accounts.forms.AddWebAuthnForm",
    "edit_webauthn": "accounts.forms.EditWebAuthnForm",
}
USERSESSIONS_TRACK_ACTIVITY = True
USERSESSIONS_ADAPTER = "accounts.adapter.EnclaveUserSessionsAdapter"

# Co-Chairs and Secretariat must always enrol a second factor; this makes it everyone.
ENCLAVE_MFA_REQUIRED_FOR_ALL = env_bool("ENCLAVE_MFA_REQUIRED_FOR_ALL", False)
# Where links in emails point (e.g. https://enclave.example.org); the request's host otherwise.
ENCLAVE_SITE_URL = os.environ.get("ENCLAVE_SITE_URL", "")
ENCLAVE_INVITATION_DAYS = int(os.environ.get("ENCLAVE_INVITATION_DAYS", "14"))
# Access must be renewed: a sponsor confirms each official every N months (accounts/reviews.py);
# an account with no sign-in for N days is reported to its sponsors as dormant.
ENCLAVE_ACCESS_REVIEW_MONTHS = int(os.environ.get("ENCLAVE_ACCESS_REVIEW_MONTHS", "12"))
ENCLAVE_DORMANT_DAYS = int(os.environ.get("ENCLAVE_DORMANT_DAYS", "90"))

# Live chat limits: sockets per user, and a burst of messages per window per user.
ENCLAVE_CHAT_MAX_SOCKETS_PER_USER = int(os.environ.get("ENCLAVE_CHAT_MAX_SOCKETS_PER_USER", "8"))
ENCLAVE_CHAT_RATE_BURST = int(os.environ.get("ENCLAVE_CHAT_RATE_BURST", "20"))
ENCLAVE_CHAT_RATE_WINDOW = int(os.environ.get("ENCLAVE_CHAT_RATE_WINDOW", "10"))

# ------------------------------------------------------------------------------
# The API (api/): personal access tokens, the same policy as the pages
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # A token (scripts), or the signed-in browser (the documentation page), CSRF enforced.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.StandingAndScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerToken", "api.throttling.WritesPerToken"],
    # Requests per token (or per signed-in official) and per minute: all, and writes.
    "DEFAULT_THROTTLE_RATES": {
        "api": os.environ.get("ENCLAVE_API_RATE", "300/min"),
        "api_write": os.environ.get("ENCLAVE_API_WRITE_RATE", "60/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
# Refused tokens an address may send a minute before it is refused outright (429).
ENCLAVE_API_FAILURES_PER_MINUTE = int(os.environ.get("ENCLAVE_API_FAILURES_PER_MINUTE", "30"))
SPECTACULAR_SETTINGS = {
    "TITLE": "Enclave API",
    "DESCRIPTION": (
        "Your dialogues, their threads, documents, sessions and chat, and your notifications, "
        "as you see them in Enclave. Authenticate with a personal access token from your "
        "profile: `Authorization: Bearer enclave_…`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The description is served like every API route: to a token or the signed-in browser.
    "SERVE_PERMISSIONS": ["api.permissions.StandingAndScope"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ------------------------------------------------------------------------------
# Internationalisation and time
# ------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Each language is named in its own tongue: a reader looks for the one they can read.
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español"), ("ja", "日本語")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times read as each language writes them; templates name a format, never a pattern.
FORMAT_MODULE_PATH = ["config.formats"]

# ------------------------------------------------------------------------------
# Static files and email
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
DOCUMENTS_DIR = Path(os.environ.get("ENCLAVE_DOCUMENTS_DIR", VAR_DIR / "documents"))
# User files live outside any public URL (no base_url): only the download view serves them.
# Pointing "documents" at an S3 backend is a settings change.
DOCUMENTS_STORAGE = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": DOCUMENTS_DIR, "base_url": None, "file_permissions_mode": 0o640},
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "documents": DOCUMENTS_STORAGE,
}
ENCLAVE_DOCUMENT_MAX_BYTES = int(os.environ.get("ENCLAVE_DOCUMENT_MAX_BYTES", 100 * 1024 * 1024))
# Behind nginx: the internal location that serves the documents directory, e.g.
# "/protected-documents/". Empty: daphne streams the bytes itself.
ENCLAVE_DOCUMENTS_X_ACCEL_PREFIX = os.environ.get("ENCLAVE_DOCUMENTS_X_ACCEL_PREFIX", "")
# Watermarked downloads: how many copies one server process stamps at once (each in a worker
# subprocess of up to 768 MB of address space), and how long a download waits for its turn.
ENCLAVE_WATERMARK_CONCURRENCY = int(os.environ.get("ENCLAVE_WATERMARK_CONCURRENCY", "2"))
ENCLAVE_WATERMARK_WAIT_SECONDS = float(os.environ.get("ENCLAVE_WATERMARK_WAIT_SECONDS", "20"))
# ------------------------------------------------------------------------------
# Personal data (privacy/): exports of an official's own data, retention
# ------------------------------------------------------------------------------
# Personal-data archives wait here, outside any public URL, until their link expires.
DATA_EXPORTS_DIR = Path(os.environ.get("ENCLAVE_DATA_EXPORTS_DIR", VAR_DIR / "data-exports"))
ENCLAVE_DATA_EXPORT_DAYS = int(os.environ.get("ENCLAVE_DATA_EXPORT_DAYS", "7"))
# Retention (privacy/retention.py, `manage.py apply_retention` daily from cron): days each kind
# of record is kept; 0 keeps it forever (docs/personal-data.md, "Retention"). The audit log keeps
# every record at least 365 days: a setting from 1 to 364 is an error (system check
# privacy.E002), and the database refuses to delete a younger record anyway.
ENCLAVE_RETAIN_NOTIFICATIONS_DAYS = int(os.environ.get("ENCLAVE_RETAIN_NOTIFICATIONS_DAYS", "365"))
# The chat of a dialogue session's own room, counted from the session's end (its approved
# minutes are the record and stay); a dialogue's own room is not touched.
ENCLAVE_RETAIN_SESSION_CHAT_DAYS = int(os.environ.get("ENCLAVE_RETAIN_SESSION_CHAT_DAYS", "730"))
ENCLAVE_RETAIN_AUDIT_DAYS = int(os.environ.get("ENCLAVE_RETAIN_AUDIT_DAYS", str(6 * 365)))
# Copies of sent emails kept on disk (the .eml files of `make run`, a file mailer's files).
ENCLAVE_RETAIN_EMAIL_LOG_DAYS = int(os.environ.get("ENCLAVE_RETAIN_EMAIL_LOG_DAYS", "90"))
# An archive's file goes when its link expires (ENCLAVE_DATA_EXPORT_DAYS); the record that it
# was made (when, its size and checksum, shown to its owner as expired) this long after that.
ENCLAVE_RETAIN_DATA_EXPORTS_DAYS = int(os.environ.get("ENCLAVE_RETAIN_DATA_EXPORTS_DAYS", "90"))
# Finished background-task rows (django-tasks-db: ids and counts, a failure's traceback).
ENCLAVE_RETAIN_TASK_RESULTS_DAYS = int(os.environ.get("ENCLAVE_RETAIN_TASK_RESULTS_DAYS", "7"))
# Invitations never accepted (an address and a name), counted from their expiry or revocation.
ENCLAVE_RETAIN_INVITATIONS_DAYS = int(os.environ.get("ENCLAVE_RETAIN_INVITATIONS_DAYS", "365"))

# Uploads always spool to a temporary file, and stop as soon as they pass the size limit; the
# request size rule (workspaces.uploads) is applied before the body is read (config/asgi.py).
FILE_UPLOAD_HANDLERS = ["workspaces.uploads.LimitedTemporaryFileUploadHandler"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Enclave <no-reply@enclave.test>")
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# ------------------------------------------------------------------------------
# Security headers shared by all environments
# ------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# ------------------------------------------------------------------------------
# Session lifetimes (accounts/session_lifetime.py), in seconds: a signed-in session ends after
# this long without activity, and this long after sign-in whatever the activity. Open pages warn
# ENCLAVE_SESSION_WARNING seconds before an idle sign-out; a chat socket closes when its
# session ends. The session cookie lives no longer than the absolute lifetime.
# ------------------------------------------------------------------------------
ENCLAVE_SESSION_IDLE_TIMEOUT = int(os.environ.get("ENCLAVE_SESSION_IDLE_TIMEOUT", 30 * 60))
ENCLAVE_SESSION_MAX_AGE = int(os.environ.get("ENCLAVE_SESSION_MAX_AGE", 12 * 60 * 60))
ENCLAVE_SESSION_WARNING = int(os.environ.get("ENCLAVE_SESSION_WARNING", 2 * 60))
SESSION_COOKIE_AGE = ENCLAVE_SESSION_MAX_AGE
# Sensitive actions (MFA changes, a personal-data export, erasing an official, a jurisdiction's
# status, API tokens) ask for the password or a second factor again unless given this recently.
ACCOUNT_REAUTHENTICATION_TIMEOUT = int(os.environ.get("ENCLAVE_REAUTHENTICATION_TIMEOUT", 300))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Django's ASGI handler spools each request body in a SpooledTemporaryFile of this size: past it,
# the body goes to disk (0 would mean "never": a whole upload in memory). Upload handlers ignore
# it (workspaces.uploads always writes a temporary file).
FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

# One JSON line per request and per security event (config/logs.py); never content.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # Named here so dictConfig drops Django's own handlers on "django" (with DEBUG on, its
        # console handler printed a full traceback for every refusal): records reach the root's
        # JSON handler alone, one line each.
        "django": {"level": "INFO"},
        "django.request": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
        "enclave.request": {"level": os.environ.get("ENCLAVE_REQUEST_LOG_LEVEL", "INFO")},
    },
}
