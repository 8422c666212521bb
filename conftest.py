"""Suite-wide test set-up: the PostgreSQL marker, the PostgreSQL-only CI pass, a clean cache."""

import os
from collections.abc import Generator

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from essaim.core.communes import communes_load

# pytester: tests/test_postgres_pass.py runs this conftest in a pytest of its own.
pytest_plugins = ["pytester"]

POSTGRES_SKIP_REASON = "needs PostgreSQL (run with DATABASE_URL=postgres://…)"
EXCLUSIVE_SKIP_REASON = (
    "restarts PostgreSQL under the other pytest-xdist workers' feet: run it alone "
    "(-m exclusive, as .ci/run does after the parallel run)"
)


def parallel_workers() -> int:
    """How many pytest-xdist workers run beside this one (1 without xdist)."""
    return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


def postgres_required() -> bool:
    """Set by the CI's PostgreSQL pass: there a PostgreSQL test that did not run is a failure."""
    return os.environ.get("REQUIRE_POSTGRES") == "1"


def pytest_report_header(config: pytest.Config) -> str:
    cache_backend = "redis" if os.environ.get("REDIS_URL") else "local memory"
    return f"essaim: database {connection.vendor}, cache {cache_backend}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = connection.vendor == "postgresql"
    if postgres_required() and not on_postgres:
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but the test database is not PostgreSQL")
    skip = pytest.mark.skip(reason=POSTGRES_SKIP_REASON)
    not_alone = pytest.mark.skip(reason=EXCLUSIVE_SKIP_REASON)
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)
        elif "exclusive" in item.keywords and parallel_workers() > 1:
            # On the PostgreSQL pass this skip counts as a failure (below): deselect it there.
            item.add_marker(not_alone)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # On the PostgreSQL pass a PostgreSQL test that skipped itself (a vendor check inside the
    # test, a missing extension...) would make the pass look green without testing anything.
    expected_failure = hasattr(report, "wasxfail")
    if (
        postgres_required()
        and report.skipped
        and not expected_failure
        and _is_postgres_skip(item, report)
    ):
        report.outcome = "failed"
        report.longrepr = (
            f"REQUIRE_POSTGRES=1 but this PostgreSQL test was skipped: {_skip_reason(report)}"
        )
    return report


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])
    return str(report.longrepr)


def _is_postgres_skip(item: pytest.Item, report: pytest.TestReport) -> bool:
    return "postgres" in item.keywords or "postgres" in _skip_reason(report).lower()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    django_db_modify_db_settings_parallel_suffix: None,
) -> None:
    """A session with browser tests keeps its SQLite test database in a file.

    Their live server answers each request in a thread of its own. Django hands every one of
    those threads the test's own connection to an in-memory database, so two requests at once
    (a page and its favicon, two pages of one test) run on one connection and one fails with
    "database table is locked": a 503 in the browser. On a file each thread has its own
    connection and writers wait their turn, as in the demo (WAL, IMMEDIATE, see base settings).
    """
    database = settings.DATABASES["default"]
    in_memory = not database.get("TEST", {}).get("NAME")
    browser_tests = any(item.get_closest_marker("browser") for item in request.session.items)
    if database["ENGINE"] == "django.db.backends.sqlite3" and in_memory and browser_tests:
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("database") / "test.sqlite3"
        )


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Rate limits and cached fragments must not leak from one test into the next.

    With REDIS_URL set (the CI's PostgreSQL pass) this empties a real Redis database, so that
    pass must point at a database number of its own.
    """
    for each in caches.all():
        each.clear()


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Generator[None, None, None]:
    """Service-level tests read the English source messages; requests still pick their own
    language (French by default) through LocaleMiddleware."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def communes(db: None) -> int:
    """Paris's and Lyon's communes and postcodes in the Commune table, for geocoding: the
    package's real rows, parsed once per process."""
    return communes_load(departments=("75", "69"))
