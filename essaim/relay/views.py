from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from essaim.campaigns import selectors as campaign_selectors
from essaim.core.charts import Chart, bar_chart, line_chart
from essaim.core.csv_files import csv_response
from essaim.core.errors import NotFound
from essaim.core.qr import qr_svg
from essaim.relay import analytics
from essaim.relay.attribution import arrive
from essaim.relay.models import ShareLink
from essaim.relay.selectors import share_url
from essaim.relay.services import link_resolve


def _link(code: str) -> ShareLink:
    link = link_resolve(code, usable_only=False)
    if link is None:
        raise NotFound(_("This link does not exist."))
    return link


@require_GET
def go(request: HttpRequest, code: str) -> HttpResponse:
    """A share link: count the visit, remember who shared, show the campaign. A link whose
    owner left still leads to the campaign; it just counts nothing."""
    link = _link(code[:16])
    arrive(request, link)
    return redirect(link.campaign)


@require_GET
def qr(request: HttpRequest, code: str) -> HttpResponse:
    link = _link(code[:16])
    response = HttpResponse(
        qr_svg(share_url(link), scale=4, border=2),
        content_type="image/svg+xml",
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _column(table: analytics.Table, index: int) -> list[float]:
    return [float(row[index]) for row in table.rows]


def _bars(table: analytics.Table, *columns: int) -> Chart:
    """A bar chart of a table: its first column as labels, `columns` stacked."""
    return bar_chart(
        table.title,
        [str(row[0]) for row in table.rows],
        [(table.headers[index], _column(table, index)) for index in columns],
    )


def _charts(data: dict[str, Any]) -> dict[str, Chart]:
    by_day: analytics.Table = data["k_over_time"]
    return {
        "over_time": _bars(data["over_time"], 1, 2, 3),
        "cascade_sizes": _bars(data["cascade_sizes"], 1),
        "cascade_depths": _bars(data["cascade_depths"], 1),
        "k_by_generation": _bars(data["k_by_generation"], 3),
        "k_over_time": line_chart(
            by_day.title, [str(row[0]) for row in by_day.rows], _column(by_day, 3)
        ),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = campaign_selectors.campaign_hosted_by(slug=slug, user=request.user)
    data = analytics.dashboard(campaign)
    return render(
        request,
        "relay/dashboard.html",
        {"campaign": campaign, "charts": _charts(data), **data},
    )


@login_required
@require_GET
def export(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    campaign = campaign_selectors.campaign_hosted_by(slug=slug, user=request.user)
    compute = analytics.TABLES.get(table)
    if compute is None:
        raise NotFound(_("This table does not exist."))
    result = compute(campaign)
    return csv_response(f"{campaign.slug}-{table}.csv", [result.headers, *result.rows])
