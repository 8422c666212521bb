import sys
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from essaim.core.middleware import database_unavailable
from essaim.core.models import FloorRow


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers and reaches its database."""
    _database()
    return JsonResponse({"status": "ok"})


def _check(call: Any) -> str:
    try:
        call()
    except Exception as error:  # noqa: BLE001 - reported, not raised: this is the probe
        return f"unavailable: {type(error).__name__}"
    return "ok"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _migrations() -> None:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("migrations pending")


def _cache() -> None:
    # The fail-soft cache swallows outages; ask Redis itself when there is one.
    client = getattr(cache, "_cache", None)
    if client is not None and hasattr(client, "get_client"):
        client.get_client().ping()


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness, for load balancers: database, migrations applied, cache. 503 until all are
    fine, so a new app server gets traffic only once it can serve it."""
    checks = {"database": _check(_database)}
    if checks["database"] == "ok":
        checks["migrations"] = _check(_migrations)
    if str(settings.CACHES["default"]["BACKEND"]).endswith("RedisCache"):
        checks["cache"] = _check(_cache)
    ready_now = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ready" if ready_now else "unavailable", "checks": checks},
        status=200 if ready_now else 503,
    )


@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    """The lightest page: the load benchmark's ceiling for what the stack can serve."""
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
@require_POST
def floor(request: HttpRequest) -> HttpResponse:
    """The load benchmark's floor, beside the bare view: a logged-in POST through the whole
    middleware stack (session, CSRF) that commits one bare row — what any durable one-click
    action costs at least on this stack. Served only with BENCHMARK_FLOOR on."""
    if not settings.BENCHMARK_FLOOR:
        raise Http404
    # login_required: a person, whose key was read from the session.
    FloorRow.objects.create(user_id=cast(int, request.user.pk))
    return HttpResponse(b"ok", content_type="text/plain")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage met outside a view (a middleware reading the session or
    the user) is a 503 too, not a 500."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return database_unavailable(request, error)
    return defaults.server_error(request)
