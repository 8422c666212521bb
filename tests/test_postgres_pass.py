"""The CI's PostgreSQL pass cannot go green without running the PostgreSQL tests."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

INNER_TESTS = """
import pytest


@pytest.mark.postgres
def test_marked():
    pass


def test_skips_itself():
    pytest.skip("needs PostgreSQL full-text search")


def test_skips_for_another_reason():
    pytest.skip("nothing to do with the database")
"""


def run_inner_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.RunResult:
    """Runs a small suite under the project's root conftest, in a pytest of its own."""
    pytester.makeconftest((ROOT / "conftest.py").read_text())
    pytester.makepyfile(test_inner=INNER_TESTS)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return pytester.runpytest_subprocess(
        "-p", "pytest_django", "--ds=config.settings.test", "-p", "no:cacheprovider"
    )


def test_require_postgres_refuses_another_database(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite://:memory:")
    monkeypatch.setenv("REQUIRE_POSTGRES", "1")

    result = run_inner_suite(pytester, monkeypatch)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*REQUIRE_POSTGRES=1 but the test database is not PostgreSQL*"])


def test_postgres_tests_are_skipped_on_sqlite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite://:memory:")
    monkeypatch.delenv("REQUIRE_POSTGRES", raising=False)

    result = run_inner_suite(pytester, monkeypatch)

    result.assert_outcomes(skipped=3)


@pytest.mark.postgres
def test_a_postgres_test_that_skips_fails_the_postgres_pass(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUIRE_POSTGRES", "1")

    result = run_inner_suite(pytester, monkeypatch)

    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["*REQUIRE_POSTGRES=1 but this PostgreSQL test was skipped*full-text search*"]
    )
