"""Reading a follower graph from an edge list: SNAP-style text (two ids per line separated by
spaces or tabs, `#` comments), CSV (a header line is allowed), either gzip-compressed. Every
line is checked; the first bad one stops the import with its number and what was expected."""

import gzip
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from essaim.core.errors import ValidationError
from essaim.reach.graph import Graph, from_outside_edges

CHUNK = 1_000_000
SEPARATOR = re.compile(r"[\s,;]+")


def _open(path: Path) -> IO[str]:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    raw: Any = gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")


def _pairs(lines: Iterator[str], *, reverse: bool) -> Iterator[tuple[int, int, int]]:
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith(("#", "%")):
            continue
        parts = [part for part in SEPARATOR.split(text) if part]
        if len(parts) < 2:
            raise ValidationError(
                f"line {number}: expected two node ids (whitespace- or comma-separated), "
                f"got {text[:60]!r}"
            )
        try:
            first, second = int(parts[0]), int(parts[1])
        except ValueError:
            if number == 1 or not any(ch.isdigit() for ch in text):
                continue  # a CSV header
            raise ValidationError(
                f"line {number}: expected whole numbers as node ids, got {text[:60]!r}"
            ) from None
        if first < 0 or second < 0 or first >= 2**62 or second >= 2**62:
            raise ValidationError(f"line {number}: node ids must be between 0 and 2^62")
        yield (number, second, first) if reverse else (number, first, second)


def read_edges(
    path: Path, *, reverse: bool = False, progress: Callable[[int], None] | None = None
) -> Graph:
    """The graph of `path`'s edges. Each line "a b" means a → b (what a relays reaches b,
    e.g. b follows a); `reverse` reads "b follows a" lists written the other way round."""
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    buffer_src = np.empty(CHUNK, dtype=np.int64)
    buffer_dst = np.empty(CHUNK, dtype=np.int64)
    filled = 0
    lines = 0
    try:
        with _open(path) as handle:
            for lines, a, b in _pairs(iter(handle), reverse=reverse):
                buffer_src[filled], buffer_dst[filled] = a, b
                filled += 1
                if filled == CHUNK:
                    sources.append(buffer_src.copy())
                    targets.append(buffer_dst.copy())
                    filled = 0
                    if progress:
                        progress(lines)
    except UnicodeDecodeError as error:
        raise ValidationError("the file is not UTF-8 text (nor gzip-compressed text)") from error
    except (OSError, EOFError) as error:
        raise ValidationError(f"cannot read the file: {error}") from error
    sources.append(buffer_src[:filled].copy())
    targets.append(buffer_dst[:filled].copy())
    if progress:
        progress(lines)
    src, dst = np.concatenate(sources), np.concatenate(targets)
    if src.size == 0:
        raise ValidationError("the file holds no edge")
    return from_outside_edges(src, dst)
