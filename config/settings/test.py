"""Settings for the test suite: fast hashing, in-memory email, the same security headers."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DOCUMENTS_STORAGE

ENCLAVE_ENVIRONMENT = "test"
# The demo world (`manage.py seed_demo`); never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405
DEBUG = False
SECRET_KEY = "enclave-test-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# pytest swaps in the in-memory mailer; a live server for browser tests writes files instead.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
if os.environ.get("ENCLAVE_TEST_EMAIL_DIR"):
    MAILERS["default"] = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": os.environ["ENCLAVE_TEST_EMAIL_DIR"]},
    }
# Test runs keep documents in a directory of their own (removed at exit) unless a live server
# names one.
if not os.environ.get("ENCLAVE_DOCUMENTS_DIR"):
    _documents = tempfile.mkdtemp(prefix="enclave-test-documents-")
    atexit.register(shutil.rmtree, _documents, True)
    DOCUMENTS_STORAGE = {
        **DOCUMENTS_STORAGE,
        "OPTIONS": {**DOCUMENTS_STORAGE["OPTIONS"], "location": _documents},
    }
# Personal-data archives likewise (privacy/my_data), unless a live server names a directory.
if not os.environ.get("ENCLAVE_DATA_EXPORTS_DIR"):
    DATA_EXPORTS_DIR = Path(tempfile.mkdtemp(prefix="enclave-test-data-exports-"))
    atexit.register(shutil.rmtree, DATA_EXPORTS_DIR, True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": DOCUMENTS_STORAGE,
}
WHITENOISE_AUTOREFRESH = True
# Each task runs when it is enqueued (after commit), in the test's own process: no worker.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# Request lines would drown the test output; security lines stay.
LOGGING["loggers"]["enclave.request"] = {"level": "WARNING"}  # noqa: F405
