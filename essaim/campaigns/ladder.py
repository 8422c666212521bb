"""Goal ladders: the thresholds a count climbs (a pledge's signatures, by its organiser's
ladder or the automatic one; a challenge's participants, by the automatic one). Pure rules,
read by the pages (the next goal) and by the settle (the milestones reached)."""

# The automatic ladder when the organiser sets none.
AUTOMATIC_LADDER = (
    10,
    25,
    50,
    100,
    250,
    500,
    1_000,
    2_500,
    5_000,
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
)


def ladder(text: str) -> tuple[int, ...]:
    """The organiser's goals ("100, 500, 1000"), ascending and positive, else the automatic
    ladder. The form validates the text; this never fails on what is stored."""
    rungs = sorted({int(part) for part in text.replace(" ", "").split(",") if part.isdigit()})
    return tuple(rung for rung in rungs if rung > 0) or AUTOMATIC_LADDER


def goal_for(count: int, rungs: tuple[int, ...]) -> int:
    """The next goal: the first rung above `count`; past the last one, the next multiple of
    the last rung, so the goal keeps raising itself."""
    for rung in rungs:
        if rung > count:
            return rung
    last = rungs[-1]
    return (count // last + 1) * last
