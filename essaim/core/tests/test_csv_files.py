"""The one CSV writer: spreadsheet formulas in user text arrive as text."""

import csv
import io
from pathlib import Path

import pytest

from essaim.core.csv_files import csv_cell, csv_response, csv_text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.test","clic")', '\'=HYPERLINK("http://evil.test","clic")'),
        ("+33 6 12", "'+33 6 12"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Camille = Jean", "Camille = Jean"),
        ("", ""),
        (-3, -3),
        (0.5, 0.5),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text(value, written):
    assert csv_cell(value) == written


def test_rows_round_trip_through_a_csv_reader():
    text = csv_text([["name", "count"], ["=1+1", -2], ['a "quoted", name', 3]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "count"],
        ["'=1+1", "-2"],
        ['a "quoted", name', "3"],
    ]


def test_the_response_is_a_download():
    response = csv_response("eau-relays.csv", [["a"], ["@b"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="eau-relays.csv"'
    assert response.content.decode() == "a\r\n'@b\r\n"


def test_every_csv_the_app_writes_goes_through_the_one_writer():
    root = Path(__file__).resolve().parents[2]
    writers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts and "csv.writer" in path.read_text(encoding="utf-8")
    ]
    assert writers == ["core/csv_files.py"]
