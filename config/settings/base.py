"""Settings shared by every environment; each value can be set from the environment."""

import json
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "essaim-insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The public address every absolute link is built on (essaim.core.site). With
# SITE_URL_FROM_REQUEST (development) links follow the address a request came to instead, and
# SITE_URL serves only work done outside requests.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
SITE_URL_FROM_REQUEST = env_bool("SITE_URL_FROM_REQUEST", False)
# Federation (essaim.federation): hosts that fetches and deliveries may reach over plain HTTP
# and on private addresses (a peer on the same machine in tests; never in production).
FEDERATION_ALLOW_HOSTS = env_list("FEDERATION_ALLOW_HOSTS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "django_tasks",
    # django-tasks-db, named in the reader's language.
    "essaim.core.tasks_app.TasksDatabaseConfig",
    # In INSTALLED_APPS so that the API docs use ninja's bundled Swagger UI, never a CDN.
    "ninja",
    # Essaim's apps come before allauth so that their templates (the site layout for the
    # log-in and sign-up pages) take precedence over allauth's own.
    "essaim.core",
    "essaim.accounts",
    "essaim.communities",
    "essaim.aid",
    "essaim.messaging",
    "essaim.campaigns",
    "essaim.relay",
    "essaim.notifications",
    "essaim.moderation",
    "essaim.reach",
    "essaim.feed",
    "essaim.webhooks",
    "essaim.federation",
    "essaim.demo",
    "essaim.api",
    "allauth",
    "allauth.account",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "essaim.core.site.SiteOriginMiddleware",
    # Early: a server asking for a community's actor document gets it, not the HTML page.
    "essaim.federation.middleware.ActivityPubNegotiationMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "essaim.core.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before the write limits: an API token's owner is counted like the same person's clicks.
    "essaim.api.middleware.ApiTokenMiddleware",
    "essaim.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "essaim.moderation.ratelimit.RateLimitMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After htmx (its refusal swaps into the page's alert area), before any view reads a form.
    "essaim.core.middleware.FormTextMiddleware",
    "essaim.core.middleware.ApplicationErrorMiddleware",
    "essaim.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "essaim.core.context_processors.essaim",
                "essaim.messaging.context_processors.unread",
                "essaim.notifications.context_processors.unread",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        # A connection broken by a database restart is noticed before a request uses it.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Parameters bound by the server, so that psycopg prepares a query run a few times on a
    # connection: PostgreSQL then parses and plans it once, not on every request (it halves
    # the cost of a signature). Off behind a pooler in transaction mode without support for
    # prepared statements (PgBouncer before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make demo` runs the web server, a task worker and the scheduler on one SQLite file, and
    # the browser tests a threaded live server beside the test: readers beside a writer (WAL),
    # and writers that wait their turn rather than fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Fails soft: with Redis down, pages render from the database (essaim/core/cache.py).
            "BACKEND": "essaim.core.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            # A dead Redis must cost milliseconds, not a hung request.
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Each process's own copy of the hottest pages, for a second or two: during a viral spike
# the crowd's page is served without even a round trip to Redis.
CACHES["process"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "essaim-process",
    "OPTIONS": {"MAX_ENTRIES": 500},
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "feed:home"
SITE_ID = 1
# The instance's name: in page titles, e-mails ("Hello from …") and the sites framework's row,
# which every migrate brings in line with it and with SITE_URL (essaim.core.site).
SITE_NAME = os.environ.get("SITE_NAME", "Essaim")

# allauth: e-mail is the only login; verification is mandatory before a first log-in.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# One address per person: it is who they are (guests and accounts are found by its canonical
# form), so changing it replaces it once the new one is verified, and no second address of an
# account can act as someone else.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "essaim.accounts.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "essaim.accounts.forms.SignupExtraForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Where essaim.core.mailbox.MailboxBackend keeps the messages it does not deliver (`make demo`),
# read by staff at /staff/emails/.
MAILBOX_DIR = Path(os.environ.get("MAILBOX_DIR", BASE_DIR / "var" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before a silent mail server is given up: the outbox sends inside a transaction that
# holds its row lock meanwhile (essaim/notifications/emails.py), so it must not wait for ever.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Essaim <noreply@essaim.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
# The project's catalogue, then French typography for allauth's own messages.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "overrides"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
# Numbers grouped as the reader's language writes them: 1 347 in French, 1,347 in English
# (identifiers in attributes and addresses are written with |unlocalize).
USE_THOUSAND_SEPARATOR = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Avatars and uploads: small images only, checked by content, not by name.
AVATAR_MAX_BYTES = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Tasks run inline unless a worker runs beside the web server (`make demo` sets the database
# backend and starts one; production sets it in production.py).
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# Gifts go through this provider (essaim.campaigns.payments.PROVIDERS); "offline" moves no money.
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "offline")

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "essaim.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # LOG_FORMAT=json: one JSON object per line, for log collectors (production's default).
            **({"formatter": "json"} if os.environ.get("LOG_FORMAT") == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# How long a share link's first touch is credited to the visitor's later actions (days). The
# session must live at least as long (SESSION_COOKIE_AGE).
RELAY_ATTRIBUTION_DAYS = int(os.environ.get("RELAY_ATTRIBUTION_DAYS", "30"))
SESSION_COOKIE_AGE = max(60 * 60 * 24 * 14, RELAY_ATTRIBUTION_DAYS * 60 * 60 * 24)

# One-click actions write their row and answer; what follows (counts, supporters, webhooks)
# is settled after (essaim/campaigns/services/settle.py). Inline, right after the write, for
# development and tests; production leaves it to the scheduler's `campaigns_settle`, every
# second, so a request never waits for it.
CAMPAIGNS_SETTLE_INLINE = env_bool("CAMPAIGNS_SETTLE_INLINE", True)
# Visitors without an account (essaim/campaigns/services/guest.py): how long a signature
# waits for its address's confirmation before it and an unconfirmed guest are forgotten
# (hours; the confirmation link lives as long), and the least time between showing the form
# and sending it (seconds: a form sent faster was filled by a machine).
CAMPAIGNS_GUEST_EXPIRY_HOURS = int(os.environ.get("CAMPAIGNS_GUEST_EXPIRY_HOURS", "72"))
CAMPAIGNS_GUEST_MIN_SECONDS = float(os.environ.get("CAMPAIGNS_GUEST_MIN_SECONDS", "3"))
# How long the link in a guest's e-mails opens the page where they see, download and delete
# what they gave (campaigns.services.guest_data).
CAMPAIGNS_GUEST_DATA_LINK_DAYS = int(os.environ.get("CAMPAIGNS_GUEST_DATA_LINK_DAYS", "90"))
# An optional proof of work on the one-step form (essaim/campaigns/services/proof_of_work.py):
# the visitor's browser solves a puzzle while they type. Off by default; its difficulty in
# leading zero bits of a SHA-256 (each one doubles the work: 16 is about 65,000 hashes), and
# how long a challenge may wait to be solved and sent (seconds).
CAMPAIGNS_GUEST_PROOF_OF_WORK = env_bool("CAMPAIGNS_GUEST_PROOF_OF_WORK", False)
CAMPAIGNS_GUEST_PROOF_BITS = int(os.environ.get("CAMPAIGNS_GUEST_PROOF_BITS", "16"))
CAMPAIGNS_GUEST_PROOF_SECONDS = int(os.environ.get("CAMPAIGNS_GUEST_PROOF_SECONDS", "900"))
# Moderation: how many reports from trusted members hide content until a moderator looks.
MODERATION_AUTO_HIDE_REPORTS = int(os.environ.get("MODERATION_AUTO_HIDE_REPORTS", "3"))
# How many reverse proxies in front of the app append to X-Forwarded-For (0: none, the
# client's address is REMOTE_ADDR). Write limits and unique visitors count by that address.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
# What a match of the shipped profanity and slur lexicon does to a text (essaim.moderation.
# lexicon): "hold" for review, "block" (refused), "flag" (published, a case opens), "" (off).
MODERATION_LEXICON_EFFECT = os.environ.get("MODERATION_LEXICON_EFFECT", "hold")
# Where imported follower graphs are kept (arrays, one file each).
REACH_DIR = Path(os.environ.get("REACH_DIR", str(BASE_DIR / "var" / "reach")))
# Write limits, by scope (see essaim/moderation/ratelimit.py): a JSON object overriding the
# defaults, e.g. '{"address": [[600, 60]]}' ([] turns a scope off: load tests from one address).
RATE_LIMITS = json.loads(os.environ.get("RATE_LIMITS", "{}"))
# The load benchmark's floor (bench/load): /floor reads the session and commits one bare row,
# the least a durable one-click action costs. Off (404) everywhere else.
BENCHMARK_FLOOR = env_bool("BENCHMARK_FLOOR", False)
# Webhooks (essaim/webhooks): host names an endpoint may reach over plain HTTP and at a
# private or loopback address (a receiver on the same machine or network). Empty: HTTPS to
# public addresses only, the protection against requests into the server's own network (SSRF).
WEBHOOKS_ALLOW_HTTP_HOSTS = env_list("WEBHOOKS_ALLOW_HTTP_HOSTS", "")
# Web Push (essaim/notifications/push.py). The VAPID key pair identifies this instance to the
# browsers' push services: `manage.py push_keys` makes one (keep the private key secret; a new
# pair invalidates every device's subscription). No key: push is off and the settings page
# does not offer it. The subject is how a push service reaches the operator (mailto: or https:);
# it goes to the push service only, never into a notification.
PUSH_VAPID_PUBLIC_KEY = os.environ.get("PUSH_VAPID_PUBLIC_KEY", "")
PUSH_VAPID_PRIVATE_KEY = os.environ.get("PUSH_VAPID_PRIVATE_KEY", "")
PUSH_VAPID_SUBJECT = os.environ.get("PUSH_VAPID_SUBJECT", "") or SITE_URL
# The push services a subscription's endpoint may name (a host or any of its subdomains),
# over HTTPS: the server posts to that address, so it must not be one inside its own network.
PUSH_SERVICE_HOSTS = env_list(
    "PUSH_SERVICE_HOSTS",
    "fcm.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com",
)
# Hosts allowed over plain HTTP too (a receiver on this machine, in tests). Empty in production.
PUSH_ALLOW_HTTP_HOSTS = env_list("PUSH_ALLOW_HTTP_HOSTS", "")
# At most this many pushes a day per person (in their time zone); the rest stay in-app and
# by e-mail as chosen.
PUSH_DAILY_CAP = int(os.environ.get("PUSH_DAILY_CAP", "5"))
PUSH_TIMEOUT = float(os.environ.get("PUSH_TIMEOUT", "10"))

# Places (essaim.core.geocoding). The offline geocoder reads the Commune table (`manage.py
# load_communes`). An online service refines event addresses from a background task only:
# "" (none, the default), "address-api" (France's national address base), "nominatim", "photon".
PLACES_ONLINE_GEOCODER = os.environ.get("PLACES_ONLINE_GEOCODER", "")
PLACES_ONLINE_GEOCODER_URL = os.environ.get("PLACES_ONLINE_GEOCODER_URL", "")
# The map's tiles, e.g. "https://tile.example.org/{z}/{x}/{y}.png" and its attribution; without
# a URL the markers draw on a plain background (tests, an offline demo).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
# Campaign videos (essaim.core.video): the platforms a host may link a video from, by name
# ("youtube", "vimeo"; empty: none), and the PeerTube instances by host ("videos.example.org",
# HTTPS). Each allowed platform's player is the only frame the Content-Security-Policy lets
# in, and only after a visitor clicks; the title and picture are fetched once by a task.
VIDEO_PLATFORMS = env_list("VIDEO_PLATFORMS", "youtube,vimeo")
VIDEO_PEERTUBE_HOSTS = env_list("VIDEO_PEERTUBE_HOSTS", "")
