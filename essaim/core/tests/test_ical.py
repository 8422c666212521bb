"""iCalendar lines: folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""

import pytest

from essaim.core.ical import ical_escape, ical_fold, ical_text


def _unfold(text: str) -> str:
    return text.replace("\r\n ", "")


@pytest.mark.parametrize(
    "line",
    [
        "SUMMARY:" + "a" * 200,
        "DESCRIPTION:" + "é" * 100,
        "LOCATION:" + "🐝" * 60,
        "DESCRIPTION:" + "x" * 66 + "éé" + "y" * 80,
    ],
    ids=["ascii", "two-byte", "four-byte", "boundary"],
)
def test_long_lines_fold_at_75_octets_and_unfold_to_the_same_text(line):
    folded = ical_fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 1
    assert all(len(part.encode("utf-8")) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert _unfold(folded) == line
    # Every physical line is whole UTF-8 on its own.
    for part in physical:
        part.encode("utf-8").decode("utf-8")


def test_a_line_of_exactly_75_octets_is_not_folded():
    line = "SUMMARY:" + "a" * 67
    assert ical_fold(line) == line


def test_the_calendar_ends_every_line_with_crlf():
    assert ical_text(["BEGIN:VCALENDAR", "END:VCALENDAR"]) == "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


def test_text_values_are_escaped():
    assert ical_escape("a;b,c\\d\r\ne\nf") == "a\\;b\\,c\\\\d\\ne\\nf"
