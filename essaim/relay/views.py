import csv

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from essaim.accounts.models import User
from essaim.campaigns import permissions
from essaim.campaigns import selectors as campaign_selectors
from essaim.campaigns.models import Campaign
from essaim.core.charts import bar_chart, line_chart
from essaim.core.errors import NotFound
from essaim.relay import analytics
from essaim.relay.attribution import arrive
from essaim.relay.models import ShareLink
from essaim.relay.selectors import is_supporter, link_stats, share_intents, share_url
from essaim.relay.services import link_for, link_resolve


def _link(code: str) -> ShareLink:
    link = ShareLink.objects.select_related("campaign", "owner", "host").filter(code=code).first()
    if link is None:
        link = link_resolve(code)  # a co-host's attribution code
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
        segno.make(share_url(link), error="m").svg_inline(scale=4, border=2),
        content_type="image/svg+xml",
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _hosted(request: HttpRequest, slug: str) -> Campaign:
    """The campaign, for its hosts only: anyone else gets the same 404 as for a campaign that
    does not exist."""
    campaign = campaign_selectors.campaign_get_for(slug=slug, user=request.user)
    if not permissions.is_host(request.user, campaign):
        raise NotFound(_("This campaign does not exist."))
    return campaign


def _charts(data: dict[str, analytics.Table | object]) -> dict[str, object]:
    def column(table: analytics.Table, index: int) -> list[float]:
        return [float(row[index]) for row in table.rows]

    def labels(table: analytics.Table) -> list[str]:
        return [str(row[0]) for row in table.rows]

    over_time = data["over_time"]
    sizes, depths = data["cascade_sizes"], data["cascade_depths"]
    by_generation, by_day = data["k_by_generation"], data["k_over_time"]
    assert isinstance(over_time, analytics.Table) and isinstance(sizes, analytics.Table)
    assert isinstance(depths, analytics.Table) and isinstance(by_generation, analytics.Table)
    assert isinstance(by_day, analytics.Table)
    return {
        "over_time": bar_chart(
            over_time.title,
            labels(over_time),
            [(over_time.headers[i], column(over_time, i)) for i in (1, 2, 3)],
        ),
        "cascade_sizes": bar_chart(
            sizes.title, labels(sizes), [(sizes.headers[1], column(sizes, 1))]
        ),
        "cascade_depths": bar_chart(
            depths.title, labels(depths), [(depths.headers[1], column(depths, 1))]
        ),
        "k_by_generation": bar_chart(
            by_generation.title,
            labels(by_generation),
            [(by_generation.headers[3], column(by_generation, 3))],
        ),
        "k_over_time": line_chart(by_day.title, labels(by_day), column(by_day, 3)),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _hosted(request, slug)
    data = analytics.dashboard(campaign)
    return render(
        request,
        "relay/dashboard.html",
        {"campaign": campaign, "charts": _charts(data), **data},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def export(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    campaign = _hosted(request, slug)
    compute = analytics.TABLES.get(table)
    if compute is None:
        raise NotFound(_("This table does not exist."))
    result = compute(campaign)
    writer = csv.writer(_Echo())
    body = "".join(writer.writerow(row) for row in [result.headers, *result.rows])
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-{table}.csv"'
    return response


def share_context(request: HttpRequest, campaign: Campaign) -> dict[str, object]:
    """The share panel of the campaign page: one's own link once one has acted (or hosts)."""
    user = request.user
    if not isinstance(user, User) or not permissions.can_act(campaign):
        return {}
    if not (is_supporter(user, campaign) or permissions.is_host(user, campaign)):
        return {}
    link = link_for(user=user, campaign=campaign)
    url = share_url(link)
    return {
        "share_link": link,
        "share_url": url,
        "share_intents": share_intents(url=url, text=campaign.title),
        "share_stats": link_stats(link),
    }
