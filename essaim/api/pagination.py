"""Limit/offset pagination with a total count, bounded on both ends (a huge offset is a 422,
not a database error)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000


def _unchanged(row: Any) -> Any:
    return row


@dataclass(frozen=True)
class Presented:
    """A queryset and how each row of the page is shown to the caller: the presenter runs
    on the page's rows alone, after the slice."""

    queryset: QuerySet[Any]
    present: Callable[[Any], Any]


class Pagination(PaginationBase):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    class Output(Schema):
        items: list[Any]
        count: int
        limit: int
        offset: int

    def paginate_queryset(
        self,
        queryset: "QuerySet[Any] | Presented",
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        limit, offset = pagination.limit, pagination.offset
        if isinstance(queryset, Presented):
            rows, present = queryset.queryset, queryset.present
        else:
            rows, present = queryset, _unchanged
        return {
            "items": [present(row) for row in rows[offset : offset + limit]],
            "count": self._items_count(rows),
            "limit": limit,
            "offset": offset,
        }
