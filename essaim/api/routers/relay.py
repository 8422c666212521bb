"""Referrals (one's own share link and what it did) and reach analytics for hosts: the
relay's services, selectors and essaim/relay/analytics, behind
campaigns.selectors.campaign_hosted_by."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Path, Router

from essaim.accounts.models import User
from essaim.api import schemas
from essaim.api.auth import READ, viewer
from essaim.campaigns import permissions
from essaim.campaigns import selectors as campaign_selectors
from essaim.core.errors import NotFound
from essaim.core.site import absolute_url
from essaim.relay import analytics
from essaim.relay.services import share_panel

router = Router(tags=["referrals and analytics"])


@router.get(
    "/{slug}/referral",
    response={200: schemas.Referral, **schemas.ERRORS},
    auth=READ,
    summary="My share link",
)
def referral(request: HttpRequest, slug: schemas.Slug) -> dict[str, Any]:
    """One's own share link, and the people it brought. As on the campaign page, it exists
    once one has acted on the live campaign (or hosts it)."""
    user = viewer(request)
    if not isinstance(user, User):
        raise NotFound(_("Log in and act on this campaign to get your share link."))
    campaign = campaign_selectors.campaign_get_for(slug=slug, user=user)
    panel = share_panel(user, campaign, is_host=permissions.is_host(user, campaign))
    if not panel:
        raise NotFound(_("Act on this campaign first to get your share link."))
    link = panel["share_link"]
    return {
        "code": link.code,
        "url": panel["share_url"],
        "qr_url": absolute_url(reverse("relay:qr", kwargs={"code": link.code})),
        "stats": panel["share_stats"],
    }


def _table(table: analytics.Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "title": str(table.title),
        "headers": [str(header) for header in table.headers],
        "rows": table.rows,
    }


@router.get(
    "/{slug}/analytics",
    response={200: schemas.Analytics, **schemas.ERRORS},
    auth=READ,
    summary="Reach analytics (hosts only)",
)
def analytics_dashboard(request: HttpRequest, slug: schemas.Slug) -> dict[str, Any]:
    """Everyone but the campaign's hosts gets a 404, as on the reach dashboard."""
    campaign = campaign_selectors.campaign_hosted_by(slug=slug, user=viewer(request))
    # The reach dashboard's own computation (one source of truth, its shared intermediate
    # results computed once); its tables in the order of analytics.TABLES.
    data = analytics.dashboard(campaign)
    return {
        "summary": data["summary"],
        "link_totals": data["link_totals"],
        "tables": [_table(data[_dashboard_key(name)]) for name in analytics.TABLES],
    }


def _dashboard_key(table: str) -> str:
    # analytics.TABLES names tables as the export URLs do ("over-time"); the dashboard's
    # dict as the template does ("over_time").
    return table.replace("-", "_")


@router.get(
    "/{slug}/analytics/{table}",
    response={200: schemas.Table, **schemas.ERRORS},
    auth=READ,
    summary="One analytics table (hosts only)",
)
def analytics_table(
    request: HttpRequest,
    slug: schemas.Slug,
    table: str = Path(..., max_length=40, pattern=schemas.SLUG),
) -> dict[str, Any]:
    campaign = campaign_selectors.campaign_hosted_by(slug=slug, user=viewer(request))
    compute = analytics.TABLES.get(table)
    if compute is None:
        raise NotFound(_("This table does not exist."))
    return _table(compute(campaign))
