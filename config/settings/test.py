"""Test settings: fast hashing, in-memory e-mail outbox, tasks run inline."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The outbox in memory; a test that runs a worker process points both at files instead.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="essaim-test-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    },
    # For tests that enqueue for a real worker process.
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
TEST_RUNS_ON_POSTGRES = env_bool("TEST_RUNS_ON_POSTGRES", False)
