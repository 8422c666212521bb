"""Test settings: fast hashing, in-memory e-mail outbox, tasks run inline."""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import CACHES, REDIS_URL, env_bool

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

# pytest-xdist runs the suite in several processes ("gw0", "gw1"...), each of which empties
# the cache before every test (conftest.py): each has a Redis database of its own, REDIS_URL's
# for the first and the next numbers for the others (PostgreSQL: pytest-django gives each its
# own test database, test_<name>_gw<n>).
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and XDIST_WORKER.startswith("gw"):
    _redis = urlsplit(REDIS_URL)
    _database = int(_redis.path.strip("/") or 0) + int(XDIST_WORKER.removeprefix("gw"))
    CACHES["default"]["LOCATION"] = urlunsplit(_redis._replace(path=f"/{_database}"))
