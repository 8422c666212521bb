"""Production: PostgreSQL, Redis, database-backed task queue, hardened HTTP."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
# No default: links handed out must point at the real address (checked at start-up,
# essaim.core.checks).
SITE_URL = os.environ.get("SITE_URL", "")
if os.environ.get("SECRET_KEY") is None:
    raise RuntimeError("SECRET_KEY must be set in production")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Connections kept a minute: a new one per request would cost a connection set-up each time
# and lose the statements prepared on it (base.py).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))  # noqa: F405
if REDIS_URL:  # noqa: F405
    # Sessions read through Redis and kept in PostgreSQL: a Redis restart logs nobody out.
    # Without Redis each process would cache its own copy, and a log-out in one would not
    # reach the others: then sessions are read from the database alone.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# The scheduler settles the actions (`campaigns_settle`, every second): requests only write.
CAMPAIGNS_SETTLE_INLINE = env_bool("CAMPAIGNS_SETTLE_INLINE", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Secure cookies, unless a local stack is served over plain HTTP on loopback (`make prod`).
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# One JSON object per log line (for log collectors) unless LOG_FORMAT says otherwise.
if os.environ.get("LOG_FORMAT", "json") == "json":
    LOGGING = {
        **LOGGING,  # noqa: F405
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    }
