"""The embedded default: SQLite under var/, in-memory channel layer, console email, DEBUG on."""

import os

from .base import *  # noqa: F403
from .base import DOCUMENTS_STORAGE, SECRET_KEY

ENCLAVE_ENVIRONMENT = "local"
DEBUG = True
SECRET_KEY = SECRET_KEY or "enclave-local-development-key-not-for-production"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": DOCUMENTS_STORAGE,
}
ENCLAVE_SITE_URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
