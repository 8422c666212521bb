"""The picture a shared campaign link previews with: its cause, title, summary and the
figures of its card (count, goal, progress bar), drawn by `core.share_card`.

Its address carries a version, a digest of what it shows (`share_version`): the page links
the current one, so messaging apps and networks, which keep a preview per address, fetch a
new picture once the count has moved, and each version can be cached for long."""

import hashlib

from django.core.cache import cache
from django.utils.translation import get_language

from essaim.campaigns.cards import campaign_cards
from essaim.campaigns.models import Campaign
from essaim.core.share_card import draw_share_card

CACHE_SECONDS = 24 * 3600


def _text(campaign: Campaign) -> dict[str, str | int | None]:
    card = campaign_cards([campaign])[0]
    figures = f"{card.count} {card.count_label}" if card.count is not None else card.count_label
    if card.goal_label:
        figures += f" · {card.goal_label}"
    return {
        "kicker": str(campaign.get_category_display()),
        "title": campaign.title,
        "subtitle": campaign.summary,
        "figures": figures,
        "percent": card.percent,
    }


def _digest(text: dict[str, str | int | None]) -> str:
    raw = "|".join(str(value) for value in (*text.values(), get_language()))
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def share_version(campaign: Campaign) -> str:
    """A digest of what the picture shows, in the current language."""
    return _digest(_text(campaign))


def share_image(campaign: Campaign) -> tuple[bytes, str]:
    """The PNG and its version; drawn once per version (a few figures' worth of queries
    to know the version, no drawing while the count stands still)."""
    text = _text(campaign)
    version = _digest(text)
    key = f"campaign-share:{campaign.pk}:{version}"
    cached: bytes | None = cache.get(key)
    if cached is None:
        percent = text.pop("percent")
        cached = draw_share_card(
            **{name: str(value) for name, value in text.items()},
            percent=percent if isinstance(percent, int) else None,
        )
        cache.set(key, cached, CACHE_SECONDS)
    return cached, version
