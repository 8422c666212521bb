"""Charts drawn by the server as SVG geometry: no outside service, no script. A template
(`core/_chart.html`) turns a Chart into markup; every chart sits beside its table."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 28
MAX_X_LABELS = 10


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass
class Chart:
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    rects: list[Rect] = field(default_factory=list)
    line: str = ""  # polyline points
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    legend: list[tuple[int, str]] = field(default_factory=list)
    baseline: float = HEIGHT - BOTTOM
    left: float = LEFT
    right: float = WIDTH - RIGHT


def _nice_max(value: float) -> float:
    """A round upper bound for the y axis (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _fmt(value: float) -> str:
    """A figure as the reader's language writes it: 1 347 and 0,5 in French, 1,347 and 0.5
    in English (the charts are drawn while the reader's request runs)."""
    return number_format(float(f"{value:g}") if value != int(value) else int(value))


def _labelled(label: str, value: float) -> str:
    # The colon is the language's: French puts a no-break space before it.
    return _("%(label)s: %(value)s") % {"label": label, "value": _fmt(value)}


def _y_ticks(top: float, plot_height: float) -> list[Tick]:
    return [
        Tick(position=HEIGHT - BOTTOM - plot_height * i / 4, text=_fmt(round(top * i / 4, 2)))
        for i in range(5)
    ]


def _x_ticks(labels: Sequence[str], centre: list[float]) -> list[Tick]:
    every = max(1, -(-len(labels) // MAX_X_LABELS))
    return [Tick(position=centre[i], text=labels[i]) for i in range(0, len(labels), every)]


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]
) -> Chart:
    """Bars, stacked when there are several series (named by `series`' labels)."""
    chart = Chart(title=title, legend=[(i, name) for i, (name, _v) in enumerate(series)])
    if not labels:
        return chart
    totals = [sum(values[i] for _n, values in series) for i in range(len(labels))]
    top = _nice_max(max(totals))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / len(labels)
    bar = max(1.0, slot * 0.8)
    centres = [LEFT + slot * (i + 0.5) for i in range(len(labels))]
    for i, label in enumerate(labels):
        stacked = 0.0
        for index, (name, values) in enumerate(series):
            value = values[i]
            if value <= 0:
                continue
            height = plot_height * value / top
            stacked += height
            chart.rects.append(
                Rect(
                    x=round(centres[i] - bar / 2, 2),
                    y=round(HEIGHT - BOTTOM - stacked, 2),
                    width=round(bar, 2),
                    height=round(height, 2),
                    series=index,
                    title=f"{label} · {_labelled(name, value)}",
                )
            )
    chart.y_ticks = _y_ticks(top, plot_height)
    chart.x_ticks = _x_ticks(labels, centres)
    return chart


def line_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> Chart:
    chart = Chart(title=title)
    if not labels:
        return chart
    top = _nice_max(max(values))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(1, len(labels) - 1)
    xs = [LEFT + step * i if len(labels) > 1 else LEFT + plot_width / 2 for i in range(len(labels))]
    ys = [HEIGHT - BOTTOM - plot_height * value / top for value in values]
    chart.line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    chart.rects = [
        Rect(
            x=round(x - 2, 2),
            y=round(y - 2, 2),
            width=4,
            height=4,
            series=0,
            title=_labelled(label, v),
        )
        for x, y, label, v in zip(xs, ys, labels, values, strict=True)
    ]
    chart.y_ticks = _y_ticks(top, plot_height)
    chart.x_ticks = _x_ticks(labels, xs)
    return chart
