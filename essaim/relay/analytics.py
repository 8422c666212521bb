"""Reach analytics of one campaign, for its hosts. Every figure is a set-based query over the
supporter registry and the lineage closure (a fixed number of queries, whatever the number of
participants); the same tables feed the charts, the table views and the CSV exports.

Definitions:
- a cascade is a referral tree; its root is someone who came without a link, or a co-host who
  never acted; its size is the number of participants in it, its depth the last generation;
- the viral coefficient K of a group is the number of participants its members brought
  directly, divided by its size (per generation; per cohort of the day people joined);
- a relay's reach is everyone downstream of them, at any depth.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User, UserFollow
from essaim.campaigns import selectors as campaign_selectors
from essaim.campaigns.models import Campaign, CheckIn, Event, Fundraiser, Pledge
from essaim.campaigns.selectors.guest import guests_unnamed_to_hosts
from essaim.relay.models import Lineage, LinkVisit, ShareLink, Supporter

SIZE_BUCKETS: list[tuple[int, int | None]] = [
    (1, 1),
    (2, 2),
    (3, 5),
    (6, 10),
    (11, 25),
    (26, 100),
    (101, 1000),
    (1001, None),
]
TOP_RELAYS = 20
TOP_LINKS = 50
TREES = 3
TREE_NODES = 400
TREE_CHILDREN = 12


@dataclass
class Table:
    """Rows for a chart's table view and its CSV export."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 3) if denominator else 0.0


def _supporters(campaign: Campaign) -> Any:
    return Supporter.objects.filter(campaign=campaign)


def summary(campaign: Campaign) -> dict[str, Any]:
    """Headline counts: participants, how many came through a link, overall K."""
    counts = _supporters(campaign).aggregate(
        total=Count("id"),
        relayed=Count("id", filter=~Q(source=Supporter.Source.DIRECT)),
        referred=Count("id", filter=Q(referrer__isnull=False)),
        depth=Max("generation"),
    )
    return {
        **counts,
        "depth": counts["depth"] or 0,
        "relayed_share": _ratio(counts["relayed"], counts["total"]),
        "k_factor": _ratio(counts["referred"], counts["total"]),
    }


def over_time(campaign: Campaign) -> Table:
    """New participants per day, by how they came."""
    table = Table(
        "over-time",
        _("Participants over time"),
        [_("Day"), _("Direct"), _("Co-host code"), _("Personal link"), _("Total")],
    )
    rows = _supporters(campaign).values_list("day", "source").annotate(n=Count("id"))
    by_day: dict[date, dict[str, int]] = defaultdict(dict)
    for day, source, count in rows:
        by_day[day][source] = count
    if not by_day:
        return table
    day, last = min(by_day), max(by_day)
    while day <= last:
        counts = by_day.get(day, {})
        values = [counts.get(source, 0) for source in Supporter.Source.values]
        table.rows.append([day.isoformat(), *values, sum(values)])
        day += timedelta(days=1)
    return table


def _cascade_rows(campaign: Campaign) -> list[tuple[int, int, int]]:
    """(size, depth, number of cascades) over all cascades of the campaign: both levels of
    grouping in the database, so only the distinct shapes travel (a few hundred rows for a
    campaign of 200,000)."""
    table = Supporter._meta.db_table
    sql = f"""
        SELECT size, depth, COUNT(*) FROM (
            SELECT root_id, COUNT(*) AS size, MAX(generation) AS depth
            FROM {table} WHERE campaign_id = %s GROUP BY root_id
        ) cascades
        GROUP BY size, depth ORDER BY size, depth
    """  # noqa: S608 - the table name is ours, the campaign a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk])
        return [(int(size), int(depth), int(n)) for size, depth, n in cursor.fetchall()]


def cascade_sizes(campaign: Campaign, shapes: list[tuple[int, int, int]] | None = None) -> Table:
    shapes = _cascade_rows(campaign) if shapes is None else shapes
    table = Table("cascade-sizes", _("Cascade sizes"), [_("Size"), _("Cascades"), _("People")])
    for low, high in SIZE_BUCKETS:
        inside = [(s, n) for s, _d, n in shapes if s >= low and (high is None or s <= high)]
        label = str(low) if low == high else (f"{low}–{high}" if high else f"{low}+")
        table.rows.append([label, sum(n for _s, n in inside), sum(s * n for s, n in inside)])
    return table


def cascade_depths(campaign: Campaign, shapes: list[tuple[int, int, int]] | None = None) -> Table:
    shapes = _cascade_rows(campaign) if shapes is None else shapes
    table = Table("cascade-depths", _("Cascade depths"), [_("Depth"), _("Cascades")])
    depths: dict[int, int] = defaultdict(int)
    for _size, depth, n in shapes:
        depths[depth] += n
    for depth in range(max(depths, default=-1) + 1):
        table.rows.append([depth, depths.get(depth, 0)])
    return table


def k_by_generation(campaign: Campaign) -> Table:
    """K of each generation: the people it brought directly over its size. Whoever a
    participant of generation g brings is of generation g + 1 with them as parent, so one
    pass over the registry counts both."""
    table = Table(
        "k-by-generation",
        _("Viral coefficient by generation"),
        [_("Generation"), _("Participants"), _("Brought directly"), _("K")],
    )
    rows = dict(
        (generation, (size, with_parent))
        for generation, size, with_parent in _supporters(campaign)
        .values_list("generation")
        .annotate(n=Count("id"), p=Count("parent"))
    )
    for generation in sorted(rows):
        size = rows[generation][0]
        children = rows.get(generation + 1, (0, 0))[1]
        table.rows.append([generation, size, children, _ratio(children, size)])
    return table


def k_over_time(campaign: Campaign, participants: Table | None = None) -> Table:
    """K of each day's cohort: people who joined that day, and whom they brought since.
    `participants` is `over_time`'s table when the caller already has it."""
    table = Table(
        "k-over-time",
        _("Viral coefficient over time"),
        [_("Day"), _("New participants"), _("They brought"), _("K")],
    )
    participants = participants or over_time(campaign)
    brought = {
        day.isoformat(): count
        for day, count in _supporters(campaign)
        .filter(parent__isnull=False)
        .values_list("parent__day")
        .annotate(n=Count("id"))
    }
    for row in participants.rows:
        day, cohort = row[0], row[-1]
        if cohort:
            table.rows.append(
                [day, cohort, brought.get(day, 0), _ratio(brought.get(day, 0), cohort)]
            )
    return table


def _names(campaign: Campaign, ids: list[int]) -> dict[int, str]:
    """The names the hosts read: a guest who did not agree to hear from them is counted under
    no name (`campaigns.selectors.guest.guests_unnamed_to_hosts`), in the page and in its
    exports."""
    unnamed = guests_unnamed_to_hosts(campaign, ids)
    return {
        pk: _("A supporter without an account") if pk in unnamed else name
        for pk, name in User.objects.filter(pk__in=ids).values_list("pk", "display_name")
    }


def link_conversion(campaign: Campaign) -> Table:
    """The links that brought the most people, with their unique visitors."""
    table = Table(
        "links",
        _("Conversion by link"),
        [_("Link"), _("Owner"), _("Unique visitors"), _("Participants"), _("Conversion")],
    )
    top = list(
        _supporters(campaign)
        .filter(link__isnull=False)
        .values("link")
        .annotate(n=Count("id"))
        .order_by("-n", "link")[:TOP_LINKS]
    )
    ids = [row["link"] for row in top]
    links = ShareLink.objects.select_related("host__community").in_bulk(ids)
    owners = _names(campaign, [link.owner_id for link in links.values() if link.owner_id])
    visits = dict(
        LinkVisit.objects.filter(link__in=ids)
        .values("link")
        .annotate(n=Count("id"))
        .values_list("link", "n")
    )
    for row in top:
        link = links[row["link"]]
        owner = (
            owners.get(link.owner_id, "")
            if link.owner_id
            else (link.host.name if link.host else "")
        )
        seen = visits.get(link.pk, 0)
        table.rows.append([link.code, owner, seen, row["n"], _ratio(row["n"], seen)])
    return table


def link_totals(campaign: Campaign) -> dict[str, Any]:
    visitors = LinkVisit.objects.filter(campaign=campaign).count()
    through = _supporters(campaign).filter(link__isnull=False).count()
    return {
        "links": ShareLink.objects.filter(campaign=campaign).count(),
        "visitors": visitors,
        "participants": through,
        "conversion": _ratio(through, visitors),
    }


def top_relays(campaign: Campaign) -> Table:
    """Relays by everyone they mobilised (downstream, any depth), beside their audience."""
    table = Table(
        "relays",
        _("Top relays"),
        [_("Relay"), _("Brought directly"), _("Mobilised in all"), _("Followers")],
    )
    top = list(
        Lineage.objects.filter(campaign=campaign)
        .values("ancestor")
        .annotate(n=Count("id"))
        .order_by("-n", "ancestor")[:TOP_RELAYS]
    )
    ids = [row["ancestor"] for row in top]
    direct = dict(
        _supporters(campaign)
        .filter(referrer__in=ids)
        .values("referrer")
        .annotate(n=Count("id"))
        .values_list("referrer", "n")
    )
    followers = dict(
        UserFollow.objects.filter(followed__in=ids)
        .values("followed")
        .annotate(n=Count("id"))
        .values_list("followed", "n")
    )
    names = _names(campaign, ids)
    for row in top:
        table.rows.append(
            [
                names.get(row["ancestor"], ""),
                direct.get(row["ancestor"], 0),
                row["n"],
                followers.get(row["ancestor"], 0),
            ]
        )
    return table


def host_board(campaign: Campaign) -> Table:
    table = Table(
        "hosts",
        _("Leaderboard by co-host"),
        [_("Co-host"), _("Signatures"), _("Participants"), _("Places taken"), _("Gifts")],
    )
    for row in campaign_selectors.host_leaderboard(campaign):
        table.rows.append(
            [
                row["host"].name,
                row["signatures"],
                row["participants"],
                row["rsvps"],
                campaign_selectors.money(row["donations"]),
            ]
        )
    return table


def impact(campaign: Campaign) -> Table:
    """What the campaign achieved, whatever its actions."""
    table = Table("impact", _("Impact"), [_("Measure"), _("Total")])
    pledge = Pledge.objects.filter(campaign=campaign).first()
    if pledge is not None:
        table.rows.append([_("Signatures"), campaign_selectors.signature_count(pledge)])
    check_ins = CheckIn.objects.filter(participant__challenge__campaign=campaign).count()
    if check_ins:
        table.rows.append([_("Check-ins"), check_ins])
    for row in campaign_selectors.impact_totals(campaign):
        table.rows.append([f"{row['measure']} ({row['unit']})", row["total"]])
    fundraiser = Fundraiser.objects.filter(campaign=campaign).first()
    if fundraiser is not None:
        totals = campaign_selectors.fundraiser_totals(fundraiser)
        table.rows.append(
            [
                _("Money raised") + f" ({fundraiser.currency})",
                campaign_selectors.money(totals["donations"]),
            ]
        )
        table.rows.append(
            [
                _("In-kind (declared value)") + f" ({fundraiser.currency})",
                campaign_selectors.money(totals["in_kind"]),
            ]
        )
    return table


def results_by_place(campaign: Campaign, events: list[Event] | None = None) -> Table:
    """Where the results came from: each event that reported some, where and when, with what
    it achieved (the map above the table draws the same events)."""
    table = Table(
        "results-by-place",
        _("Where the results came from"),
        [_("Event"), _("Place"), _("Postcode"), _("Date"), _("Results")],
    )
    if events is None:
        events = list(campaign_selectors.events_with_results(campaign))
    for event in events:
        table.rows.append(
            [
                event.title,
                event.city or event.address,
                event.postcode,
                timezone.localdate(event.starts_at),
                "; ".join(
                    f"{result.measure}: {format(result.quantity.normalize(), 'f')} {result.unit}"
                    for result in event.results.all()
                ),
            ]
        )
    return table


# The interactive tree --------------------------------------------------------------------


@dataclass
class Node:
    user_id: int
    name: str
    action: str = ""
    generation: int = 0
    direct: int = 0
    downstream: int = 0
    children: list["Node"] = field(default_factory=list)
    hidden_children: int = 0


def largest_cascades(campaign: Campaign, count: int = TREES) -> list[Node]:
    """The biggest referral trees, each cut to its best-connected branches: a node's children
    are sorted by how many people they mobilised, the rest summed up as "N more"."""
    roots = list(
        _supporters(campaign)
        .filter(referrer__isnull=False)
        .values("root")
        .annotate(n=Count("id"))
        .order_by("-n", "root")[:count]
    )
    trees = []
    for row in roots:
        root_id = row["root"]
        rows = list(
            _supporters(campaign)
            .filter(root=root_id)
            .order_by("generation", "created_at", "pk")
            .values_list("user_id", "referrer_id", "generation", "action")[:TREE_NODES]
        )
        ids = [root_id, *(user_id for user_id, *_rest in rows)]
        # The root's downstream is its whole cascade, known already: not counted again.
        downstream = dict(
            Lineage.objects.filter(campaign=campaign, ancestor__in=ids[1:])
            .values("ancestor")
            .annotate(n=Count("id"))
            .values_list("ancestor", "n")
        )
        direct = dict(
            _supporters(campaign)
            .filter(referrer__in=ids)
            .values_list("referrer")
            .annotate(n=Count("id"))
        )
        names = _names(campaign, ids)
        actions = dict(Supporter.Action.choices)
        nodes: dict[int, Node] = {
            root_id: Node(root_id, names.get(root_id, ""), downstream=row["n"])
        }
        for user_id, referrer_id, generation, action in rows:
            node = nodes.setdefault(
                user_id,
                Node(user_id, names.get(user_id, "")),
            )
            node.action, node.generation = str(actions.get(action, action)), generation
            if user_id != root_id:
                node.downstream = downstream.get(user_id, 0)
                if referrer_id in nodes:
                    nodes[referrer_id].children.append(node)
        for node in nodes.values():
            node.children.sort(key=lambda child: (-child.downstream, child.name))
            node.direct = direct.get(node.user_id, 0)
            node.hidden_children = max(0, node.direct - min(len(node.children), TREE_CHILDREN))
            node.children = node.children[:TREE_CHILDREN]
        trees.append(nodes[root_id])
    return trees


# Everything the dashboard and its exports show -----------------------------------------


TABLES = {
    "over-time": over_time,
    "cascade-sizes": cascade_sizes,
    "cascade-depths": cascade_depths,
    "k-by-generation": k_by_generation,
    "k-over-time": k_over_time,
    "links": link_conversion,
    "relays": top_relays,
    "hosts": host_board,
    "impact": impact,
    "results-by-place": results_by_place,
}


def dashboard(campaign: Campaign) -> dict[str, Any]:
    shapes = _cascade_rows(campaign)
    participants = over_time(campaign)
    result_events = list(campaign_selectors.events_with_results(campaign))
    return {
        "summary": summary(campaign),
        "link_totals": link_totals(campaign),
        "over_time": participants,
        "cascade_sizes": cascade_sizes(campaign, shapes),
        "cascade_depths": cascade_depths(campaign, shapes),
        "k_by_generation": k_by_generation(campaign),
        "k_over_time": k_over_time(campaign, participants),
        "links": link_conversion(campaign),
        "relays": top_relays(campaign),
        "hosts": host_board(campaign),
        "impact": impact(campaign),
        "result_events": result_events,
        "results_by_place": results_by_place(campaign, result_events),
        "trees": largest_cascades(campaign),
    }
