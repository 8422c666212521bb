"""Reading a follower graph from an edge list: SNAP-style text (two ids per line separated by
spaces, tabs, commas or semicolons, `#` or `%` comments), CSV (a header line is allowed),
either gzip-compressed. Every line is checked; the first bad one stops the import with its
number and what was expected, and nothing is kept.

The file is read in blocks of a few megabytes, each parsed by a compiled loop over its bytes
(no Python per line): 10 million edges in seconds, with memory for the numbers alone."""

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
from numba import njit

from essaim.core.errors import ValidationError
from essaim.reach.graph import Graph, from_outside_edges

BLOCK = 16 << 20  # bytes read at once
LIMIT = 2**62
# What the parser found wrong with a line (0: nothing).
TWO_IDS, WHOLE_NUMBERS, RANGE = 1, 2, 3


@njit(cache=True)
def _is_separator(c):  # pragma: no cover - compiled
    # space, tab, carriage return, comma, semicolon (and the other ASCII blanks)
    return c == 32 or c == 9 or c == 13 or c == 44 or c == 59 or c == 11 or c == 12


@njit(cache=True)
def _parse(data, first_line, src, dst):  # pragma: no cover - compiled
    """Parse the whole lines in `data` (bytes). Returns (edges written, lines seen, code of
    the first bad line or 0, that line's index in the block, its first byte)."""
    size = data.shape[0]
    edges = 0
    line = 0
    i = 0
    while i < size:
        start = i
        end = i
        while end < size and data[end] != 10:
            end += 1
        i = end + 1
        number = first_line + line
        line += 1
        j = start
        while j < end and _is_separator(data[j]):
            j += 1
        if j == end or data[j] == 35 or data[j] == 37:  # blank, '#', '%'
            continue
        first_value = 0
        second_value = 0
        fields = 0
        bad_number = False
        out_of_range = False
        has_digit = False
        while j < end and fields < 2:
            field_start = j
            while j < end and not _is_separator(data[j]):
                j += 1
            value = 0
            digits = 0
            negative = False
            for t in range(field_start, j):
                c = data[t]
                if 48 <= c <= 57:
                    has_digit = True
                    digits += 1
                    if digits <= 19:
                        value = value * 10 + (c - 48)
                elif t == field_start and (c == 45 or c == 43):  # a sign
                    negative = c == 45
                else:
                    bad_number = True
            if digits == 0:
                bad_number = True
            if (negative and value > 0) or digits > 18 or value >= 2**62:
                out_of_range = True
            if fields == 0:
                first_value = value
            else:
                second_value = value
            fields += 1
            while j < end and _is_separator(data[j]):
                j += 1
        if fields < 2:
            return edges, line, TWO_IDS, line - 1, start
        # Digits anywhere after the two ids count too, as Python's reading did.
        for t in range(j, end):
            if 48 <= data[t] <= 57:
                has_digit = True
        if bad_number:
            if number == 1 or not has_digit:
                continue  # a CSV header
            return edges, line, WHOLE_NUMBERS, line - 1, start
        if out_of_range:
            return edges, line, RANGE, line - 1, start
        src[edges] = first_value
        dst[edges] = second_value
        edges += 1
    return edges, line, 0, 0, 0


def _open(path: Path) -> IO[bytes]:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    raw: Any = gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")  # noqa: SIM115
    return raw


def _message(code: int, number: int, text: bytes) -> str:
    shown = text.decode("utf-8", errors="replace").strip()[:60]
    if code == TWO_IDS:
        return (
            f"line {number}: expected two node ids (whitespace- or comma-separated), got {shown!r}"
        )
    if code == WHOLE_NUMBERS:
        return f"line {number}: expected whole numbers as node ids, got {shown!r}"
    return f"line {number}: node ids must be between 0 and 2^62"


def read_edges(
    path: Path, *, reverse: bool = False, progress: Callable[[int], None] | None = None
) -> Graph:
    """The graph of `path`'s edges. Each line "a b" means a → b (what a relays reaches b,
    e.g. b follows a); `reverse` reads "b follows a" lists written the other way round.
    `progress` is told the number of lines read after each block."""
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    lines = 0
    carry = b""
    try:
        with _open(path) as handle:
            while True:
                block = handle.read(BLOCK)
                last = not block
                data = carry + block
                if not last:
                    cut = data.rfind(b"\n") + 1
                    data, carry = data[:cut], data[cut:]
                    if not data:
                        continue
                if not data:
                    break
                if not data.isascii():
                    try:
                        data.decode("utf-8")
                    except UnicodeDecodeError as error:
                        raise ValidationError(
                            "the file is not UTF-8 text (nor gzip-compressed text)"
                        ) from error
                array = np.frombuffer(data, dtype=np.uint8)
                # At most one edge per line, and a line holds at least 4 bytes ("1 2\n").
                most = array.shape[0] // 3 + 1
                src = np.empty(most, dtype=np.int64)
                dst = np.empty(most, dtype=np.int64)
                edges, seen, code, bad, start = _parse(array, lines + 1, src, dst)
                if code:
                    end = data.find(b"\n", start)
                    text = data[start : end if end >= 0 else len(data)]
                    raise ValidationError(_message(int(code), lines + int(bad) + 1, text))
                lines += int(seen)
                sources.append(src[:edges].copy())
                targets.append(dst[:edges].copy())
                del src, dst
                if progress:
                    progress(lines)
                if last:
                    break
    except (OSError, EOFError) as error:
        raise ValidationError(f"cannot read the file: {error}") from error
    src_all = np.concatenate(sources) if sources else np.zeros(0, dtype=np.int64)
    dst_all = np.concatenate(targets) if targets else np.zeros(0, dtype=np.int64)
    del sources, targets
    if src_all.size == 0:
        raise ValidationError("the file holds no edge")
    if reverse:
        src_all, dst_all = dst_all, src_all
    return from_outside_edges(src_all, dst_all)
