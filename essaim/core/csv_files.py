"""The one CSV writer of the app: every CSV it hands out goes through it.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to a
spreadsheet (`=HYPERLINK(...)` as a display name would become a live link, or worse, in a
host's export). Such text cells get a leading single quote, which spreadsheets show as text;
numbers are written as they are (a negative count is not a formula).
"""

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """The value as a spreadsheet reads it as plain data."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object that hands back what is written: csv.writer builds the line."""

    def write(self, value: str) -> str:
        return value


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    writer = csv.writer(_Echo())
    return "".join(writer.writerow([csv_cell(cell) for cell in row]) for row in rows)


def csv_response(filename: str, rows: Iterable[Sequence[object]]) -> HttpResponse:
    """A CSV download named `filename` (an ASCII slug chosen by the app, not by a visitor)."""
    response = HttpResponse(csv_text(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
