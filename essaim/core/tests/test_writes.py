"""`insert_or_get`: one statement in autocommit for a new row, the stored row on a repeat,
and a caller's transaction left usable when the row was there."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Pledge, Signature
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.core.writes import ATTEMPTS, insert_or_get


@contextmanager
def on_each_statement(watch: Callable[[str, Callable[[], Any]], Any]) -> Iterator[None]:
    """Run `watch(sql, execute)` around every statement this connection sends."""

    def wrapper(execute, sql, params, many, context):
        return watch(sql, lambda: execute(sql, params, many, context))

    with connection.execute_wrapper(wrapper):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_new_row_is_one_statement_in_autocommit():
    pledge, user = PledgeFactory.create(), UserFactory.create()
    autocommit: list[bool] = []

    def watch(sql: str, execute: Callable[[], Any]) -> Any:
        autocommit.append(connection.get_autocommit() and not connection.in_atomic_block)
        return execute()

    with CaptureQueriesContext(connection) as queries, on_each_statement(watch):
        signature, created = insert_or_get(
            Signature(pledge=pledge, user=user, via="abc"), unique=["pledge", "user"]
        )
    assert created and signature.pk is not None
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["INSERT"]
    assert autocommit == [True]  # durable when it returns: no transaction left to commit


@pytest.mark.django_db(transaction=True)
def test_a_repeat_returns_the_stored_row_unchanged():
    pledge, user = PledgeFactory.create(), UserFactory.create()
    first, _ = insert_or_get(
        Signature(pledge=pledge, user=user, via="first"), unique=["pledge", "user"]
    )
    again, created = insert_or_get(
        Signature(pledge=pledge, user=user, via="second"), unique=["pledge", "user"]
    )
    assert not created
    assert (again.pk, again.via, again.created_at) == (first.pk, "first", first.created_at)
    assert Signature.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_repeat_inside_a_transaction_leaves_it_usable():
    pledge, user, other = PledgeFactory.create(), *UserFactory.create_batch(2)
    insert_or_get(Signature(pledge=pledge, user=user), unique=["pledge", "user"])
    with transaction.atomic():
        _, created = insert_or_get(Signature(pledge=pledge, user=user), unique=["pledge", "user"])
        assert not created
        # Without the savepoint, PostgreSQL would refuse every statement from here on.
        insert_or_get(Signature(pledge=pledge, user=other), unique=["pledge", "user"])
    assert set(Signature.objects.values_list("user_id", flat=True)) == {user.pk, other.pk}


@pytest.mark.django_db(transaction=True)
def test_a_row_withdrawn_between_the_conflict_and_the_read_is_inserted_again():
    pledge, user = PledgeFactory.create(), UserFactory.create()
    stored, _ = insert_or_get(Signature(pledge=pledge, user=user), unique=["pledge", "user"])
    withdrawn = False

    def withdraw_after_the_conflict(sql: str, execute: Callable[[], Any]) -> Any:
        nonlocal withdrawn
        try:
            return execute()
        except IntegrityError:
            if not withdrawn:  # as a withdrawal committing in another request would
                withdrawn = True
                Signature.objects.filter(pk=stored.pk).delete()
            raise

    with on_each_statement(withdraw_after_the_conflict):
        signature, created = insert_or_get(
            Signature(pledge=pledge, user=user, via="again"), unique=["pledge", "user"]
        )
    assert withdrawn and created
    assert list(Signature.objects.values_list("pk", "via")) == [(signature.pk, "again")]


@pytest.mark.django_db(transaction=True)
def test_a_conflict_no_stored_row_explains_is_raised_after_the_last_attempt():
    user = UserFactory.create()
    missing = Pledge(pk=987_654)  # no such pledge: the foreign key fails, not the constraint
    inserts = 0

    def count(sql: str, execute: Callable[[], Any]) -> Any:
        nonlocal inserts
        inserts += sql.startswith("INSERT")
        return execute()

    with pytest.raises(IntegrityError), on_each_statement(count):
        insert_or_get(Signature(pledge=missing, user=user), unique=["pledge", "user"])
    assert inserts == ATTEMPTS
    assert not Signature.objects.exists()
