from typing import Any
from urllib.parse import quote

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign
from essaim.core.site import absolute_url
from essaim.relay.models import Lineage, ShareLink, Supporter


def share_url(link: ShareLink) -> str:
    return absolute_url(reverse("relay:go", kwargs={"code": link.code}))


def share_intents(*, url: str, text: str) -> list[tuple[str, str]]:
    """Ready-made share buttons: each opens the network's own page, outside the platform."""
    u, t = quote(url, safe=""), quote(text, safe="")
    both = quote(f"{text} {url}", safe="")
    return [
        ("WhatsApp", f"https://wa.me/?text={both}"),
        ("Telegram", f"https://t.me/share/url?url={u}&text={t}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ("X", f"https://x.com/intent/post?text={t}&url={u}"),
        ("Bluesky", f"https://bsky.app/intent/compose?text={both}"),
        ("LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={u}"),
        ("E-mail", f"mailto:?subject={t}&body={both}"),
    ]


def link_stats(link: ShareLink) -> dict[str, int]:
    """What one's own link did: unique visitors, people it brought, everyone downstream."""
    owner_id = link.owner_id
    return {
        "visitors": link.visits.count(),
        "brought": Supporter.objects.filter(link=link).count(),
        "downstream": Lineage.objects.filter(
            campaign_id=link.campaign_id, ancestor_id=owner_id
        ).count()
        if owner_id
        else 0,
    }


def is_supporter(user: User, campaign: Campaign) -> bool:
    return Supporter.objects.filter(campaign=campaign, user=user).exists()


def public_counts(campaign: Campaign) -> dict[str, Any]:
    """What anyone may see: how many acted, and how many came through someone's share."""
    counts = Supporter.objects.filter(campaign=campaign).aggregate(
        total=Count("id"), relayed=Count("id", filter=~Q(source=Supporter.Source.DIRECT))
    )
    total, relayed = counts["total"], counts["relayed"]
    percent = round(100 * relayed / total) if total else 0
    return {"total": total, "relayed": relayed, "percent": percent}


def link_panel(link: ShareLink, campaign: Campaign, *, with_stats: bool = True) -> dict[str, Any]:
    """What a share panel shows of one's own `link`: its address, its share buttons and what
    it did (unless not `with_stats`)."""
    url = share_url(link)
    return {
        "share_link": link,
        "share_url": url,
        "share_intents": share_intents(url=url, text=campaign.title),
        "share_stats": link_stats(link) if with_stats else None,
    }


def campaign_actions_of(user: User) -> "QuerySet[Supporter]":
    """One row per campaign the person acted in: contributions toward trust (accounts.trust)."""
    return Supporter.objects.filter(user=user)
