"""The embedded default: SQLite under var/, in-memory channel layer, email to the console.

`make run` (what evaluators and pilots use) serves it with DEBUG off: the product's own error
pages, each with the strict CSP. `make dev` sets ENCLAVE_DEBUG=1 for Django's debug pages.
"""

import os

from .base import *  # noqa: F403
from .base import DOCUMENTS_STORAGE, SECRET_KEY, VAR_DIR, env_bool

ENCLAVE_ENVIRONMENT = "local"
# The demo world (`manage.py seed_demo`); never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405
DEBUG = env_bool("ENCLAVE_DEBUG", False)
SECRET_KEY = SECRET_KEY or "enclave-local-development-key-not-for-production"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": DOCUMENTS_STORAGE,
}
# WhiteNoise serves static files straight from the source folders (no collectstatic step), and
# with DEBUG on picks up edits without a restart.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
ENCLAVE_SITE_URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
# Emails are printed whole in the server's console (plain UTF-8, so links stay on one line) and
# saved under var/mail/ as .eml files.
MAILERS = {
    "default": {
        "BACKEND": "core.local_mail.LocalEmailBackend",
        "OPTIONS": {"directory": VAR_DIR / "mail"},
    }
}
