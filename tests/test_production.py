"""Production mode's parts that need no second machine: readiness, a dead Redis, the database
outage answer, structured logs, migrations safe to run under the old version."""

import importlib
import json
import logging
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import OperationalError
from django.db.migrations import operations
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.core.logging import JsonFormatter
from essaim.core.middleware import DatabaseUnavailableMiddleware
from essaim.core.views import server_error

DEAD_REDIS = {
    "default": {
        "BACKEND": "essaim.core.cache.FailSoftRedisCache",
        "LOCATION": "redis://127.0.0.1:6399/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.1, "socket_timeout": 0.1},
    },
    "process": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}


@pytest.mark.django_db
def test_ready_when_database_migrations_and_cache_are(client):
    response = client.get(reverse("core:ready"))
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["migrations"] == "ok"
    assert client.get(reverse("core:bare")).content == b"ok"


def test_every_cache_call_fails_soft_with_redis_down(settings):
    from django.core.cache import caches

    settings.CACHES = DEAD_REDIS
    cache = caches.create_connection("default")
    # What the project calls on the default cache: each misses, or is dropped, never raises.
    assert cache.get("k") is None and cache.get("k", "default") == "default"
    assert cache.add("k", 1, 5) is False
    assert cache.get_or_set("k", "computed", 5) == "computed"
    assert cache.get_many(["k", "l"]) == {}
    assert cache.has_key("k") is False and cache.touch("k", 5) is False
    assert cache.delete("k") is False
    cache.set("k", 1, 5)
    cache.set_many({"k": 1}, 5)
    cache.delete_many(["k"])


@pytest.mark.django_db
def test_with_redis_down_pages_render_writes_go_through_and_readiness_says_so(client, settings):
    settings.CACHES = DEAD_REDIS
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    for url in ("/", campaign.get_absolute_url(), reverse("campaigns:list")):
        assert client.get(url).status_code == 200, url
    client.force_login(UserFactory.create())
    for _n in range(3):
        response = client.post(reverse("campaigns:sign", args=[campaign.slug]))
        assert response.status_code == 302  # rate limits fail open, the signature is kept
    assert pledge.signatures.count() == 1
    ready = client.get(reverse("core:ready"))
    assert ready.status_code == 503 and ready.json()["checks"]["cache"].startswith("unavailable")


@pytest.mark.django_db
def test_a_failing_write_counter_lets_the_write_through_and_says_why(client, caplog, monkeypatch):
    """Redis unreachable is an outage (a warning with the error); any other failure of the
    counting is a fault, logged with its traceback: either way the limits are off until it
    passes, and the log must say why."""
    pledge = PledgeFactory.create()
    client.force_login(UserFactory.create())
    url = reverse("campaigns:sign", args=[pledge.campaign.slug])
    for error, traceback in ((RedisConnectionError("refused"), False), (ValueError("bad"), True)):

        def broken(_keys: object, error: Exception = error) -> list[int]:
            raise error

        monkeypatch.setattr(caches["default"], "count_many", broken, raising=False)
        caplog.clear()
        assert client.post(url).status_code == 302
        (record,) = [
            r for r in caplog.records if r.getMessage() == "rate limit counter unavailable"
        ]
        assert record.error == f"{type(error).__name__}: {error}"
        assert bool(record.exc_info) is traceback
    assert pledge.signatures.count() == 1


def test_a_database_outage_is_a_clear_503_without_a_traceback():
    middleware = DatabaseUnavailableMiddleware(lambda _r: HttpResponse("ok"))
    error = OperationalError("connection refused")
    page = middleware.process_exception(RequestFactory().get("/campaigns/"), error)
    assert page is not None and page.status_code == 503 and page["Retry-After"] == "5"
    assert b"Traceback" not in page.content
    api = middleware.process_exception(
        RequestFactory().post("/api/x", HTTP_ACCEPT="application/json"), error
    )
    assert api is not None
    assert api.status_code == 503 and json.loads(api.content)["detail"]
    assert middleware.process_exception(RequestFactory().get("/"), ValueError()) is None
    fine = DatabaseUnavailableMiddleware(lambda _r: HttpResponse("ok"))
    assert fine(RequestFactory().get("/")).status_code == 200


def test_an_outage_met_before_the_view_is_a_503_too():
    """A middleware that reads the session meets the outage: handler500 answers 503."""

    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        page = server_error(RequestFactory().get("/"))
    assert page.status_code == 503 and page["Retry-After"] == "5"


def test_logs_are_one_json_object_per_line():
    record = logging.LogRecord(
        "essaim.test", logging.WARNING, __file__, 1, "hello %s", ("you",), None
    )
    record.campaign_id = 7
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert data["message"] == "hello you" and data["level"] == "WARNING"
    assert data["campaign_id"] == 7 and "\n" not in line


# Operations the previous version of the code cannot survive while it still serves traffic:
# it would read a column that is gone or renamed. They need two releases (stop using, then
# drop), and are listed here with the reason when that was done.
UNSAFE = (
    operations.RemoveField,
    operations.DeleteModel,
    operations.RenameField,
    operations.RenameModel,
)
ALLOWED_UNSAFE: set[tuple[str, str]] = set()


def test_migrations_are_safe_while_the_old_version_serves():
    root = Path(__file__).resolve().parent.parent / "essaim"
    problems = []
    for app in sorted(path.parent.name for path in root.glob("*/migrations/__init__.py")):
        package = f"essaim.{app}.migrations"
        for info in pkgutil.iter_modules([str(root / app / "migrations")]):
            module = importlib.import_module(f"{package}.{info.name}")
            for operation in module.Migration.operations:
                if isinstance(operation, UNSAFE) and (app, info.name) not in ALLOWED_UNSAFE:
                    problems.append(f"{app}.{info.name}: {type(operation).__name__}")
                if isinstance(operation, operations.AddField):
                    field = operation.field
                    if not field.null and not field.has_default() and not field.many_to_many:
                        problems.append(
                            f"{app}.{info.name}: NOT NULL {operation.name} without default"
                        )
    assert problems == []


def _production_setting(name: str, **env: str) -> str:
    environment = {
        **{key: value for key, value in os.environ.items() if key != "REDIS_URL"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "a-test-key",
        "SITE_URL": "https://essaim.example.org",
        **env,
    }
    shown = subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings; print(settings.{name})"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
    )
    return shown.stdout.strip()


@pytest.mark.parametrize(
    ("redis_url", "engine"),
    [
        ("redis://127.0.0.1:6379/0", "django.contrib.sessions.backends.cached_db"),
        ("", "django.contrib.sessions.backends.db"),
    ],
)
def test_production_sessions_read_through_redis_only_when_there_is_one(redis_url, engine):
    assert _production_setting("SESSION_ENGINE", REDIS_URL=redis_url) == engine


def test_production_leaves_the_settling_to_the_scheduler():
    assert _production_setting("CAMPAIGNS_SETTLE_INLINE") == "False"


@pytest.mark.django_db
def test_a_cache_emptied_by_a_redis_restart_logs_nobody_out(client, settings):
    # The engine production runs with Redis configured, whatever it is.
    settings.SESSION_ENGINE = _production_setting(
        "SESSION_ENGINE", REDIS_URL="redis://127.0.0.1:6379/0"
    )
    client.force_login(UserFactory.create())
    assert client.get(reverse("accounts:settings")).status_code == 200
    for cache in caches.all():
        cache.clear()
    assert client.get(reverse("accounts:settings")).status_code == 200


def test_collectstatic_processes_every_static_file_production_serves(
    settings, tmp_path, monkeypatch
):
    """`make prod` collects the static files with the hashed, compressed storage, which
    follows every file's references (CSS url(), JS source maps) and fails on one missing: the
    browser libraries copied from npm (`make vendor`, which `make test` runs first) included."""
    from django.core.management import call_command

    monkeypatch.setenv("SECRET_KEY", "collectstatic")  # production's settings insist on one
    production = importlib.import_module("config.settings.production")
    settings.STORAGES = production.STORAGES
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for vendored in ("vendor/leaflet/leaflet.js", "vendor/jsqr/jsQR.js", "essaim/essaim.css"):
        assert vendored in manifest
