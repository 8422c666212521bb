"""Writing a row that a unique constraint makes "once per person", in as few statements as the
database allows.

`QuerySet.get_or_create` reads first and then inserts inside a savepoint, and
`bulk_create(update_conflicts=True)` wraps its `INSERT … ON CONFLICT` in a transaction of its
own: on a click that thousands of people make a minute, those BEGIN/COMMIT (or SAVEPOINT/
RELEASE) round trips cost about a seventh of what the write costs (`bench/load`). The first
click of a person is by far the common case, so `insert_or_get` tries the insert alone and
pays for a read only when the row was there already.

The price of a repeat: PostgreSQL logs the refused insert ("duplicate key value violates
unique constraint") as an error in its own log, one line per repeat click. No row is written
and nothing reaches the person; an operator reading that log should know these are expected.
"""

from collections.abc import Sequence
from typing import TypeVar

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Model

M = TypeVar("M", bound=Model)

# A row found missing after its insert conflicted was deleted in between (a withdrawal racing
# a second click): inserting again is right, a few times. More means the conflict is not the
# unique constraint at all (a foreign key, a check), which the last attempt raises.
ATTEMPTS = 3


def insert_or_get(row: M, *, unique: Sequence[str]) -> tuple[M, bool]:
    """Insert `row`, or return the stored row with the same `unique` fields; True when
    `row` was inserted.

    Outside a transaction the insert is one statement in autocommit: durable when it
    returns, nothing else sent. Inside one it runs in a savepoint, so that a conflict leaves
    the caller's transaction usable. An `IntegrityError` that no stored row explains (a
    missing foreign key, a failed check) is raised, not retried forever.
    """
    model = type(row)
    using = router.db_for_write(model, instance=row)
    # By column value (`pledge_id`), so that no related row is fetched to build the lookup.
    lookup = {
        field.name: getattr(row, field.attname)
        for field in model._meta.concrete_fields
        if field.name in unique
    }
    if len(lookup) != len(unique):
        raise ValueError(f"{model.__name__} has no field among {unique}.")
    attempt = 1
    while True:
        try:
            if connections[using].in_atomic_block:
                with transaction.atomic(using=using):
                    row.save(force_insert=True, using=using)
            else:
                # `Model.save` of a model without parents opens no transaction of its own.
                row.save(force_insert=True, using=using)
        except IntegrityError:
            stored = model._default_manager.using(using).filter(**lookup).first()
            if stored is not None:
                return stored, False
            if attempt == ATTEMPTS:
                raise
            attempt += 1
        else:
            return row, True
