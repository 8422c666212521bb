"""For tests of a data migration: the database back at the latest migrations afterwards.

Migrating an app back to test a data migration unapplies every later migration that depends
on it, in any app (going back in accounts unapplies nearly all), and migrating forward to the
migration under test reapplies only what it needs: the next tests in the same process would
meet tables without their newest columns."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@contextmanager
def back_to_latest() -> Iterator[None]:
    try:
        yield
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
