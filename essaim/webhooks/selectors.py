"""Reads of webhooks, scoped to a campaign the caller has already checked is theirs to host."""

from datetime import datetime

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.campaigns.models import Campaign
from essaim.core.errors import NotFound
from essaim.webhooks.models import Delivery, Endpoint

# Bounds how long a process that missed a refresh (several processes, a local-memory cache)
# may keep a stale answer.
LISTENING_CACHE_SECONDS = 60


def listening_key(campaign_id: int) -> str:
    return f"webhooks:listening:{campaign_id}"


def campaign_listened_now(campaign_id: int) -> bool:
    """Whether the campaign has an endpoint, on or off: one turned off still records its
    deliveries (held until it is turned back on), so its events must still be fanned out."""
    return Endpoint.objects.filter(campaign_id=campaign_id).exists()


def campaign_is_listened(campaign_id: int) -> bool:
    """`campaign_listened_now`, on every signature: one cache read, and on a miss one indexed
    EXISTS, then cached. Services write the fresh answer after each change to endpoints
    (services.sending.listening_refresh)."""
    key = listening_key(campaign_id)
    cached = cache.get(key)
    if cached is not None:
        return bool(cached)
    listened = campaign_listened_now(campaign_id)
    # `add`, not `set`: an endpoint registered while this read ran has written the fresh
    # answer already, and this one, read before that commit, must not replace it.
    if not cache.add(key, int(listened), LISTENING_CACHE_SECONDS):
        cached = cache.get(key)
        if cached is not None:
            return bool(cached)
    return listened


def endpoints_of(campaign: Campaign) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(campaign=campaign).order_by("created_at", "pk")


def endpoint_get(*, campaign: Campaign, pk: int) -> Endpoint:
    """An endpoint of `campaign`; another campaign's id is the same 404 as a missing one."""
    endpoint = Endpoint.objects.filter(campaign=campaign, pk=pk).first()
    if endpoint is None:
        raise NotFound(_("This webhook does not exist."))
    return endpoint


def previous_secret_until(endpoint: Endpoint) -> datetime | None:
    """Until when the secret replaced by the last rotation still signs, if it still does."""
    until = endpoint.previous_secret_expires_at
    return until if until is not None and until > timezone.now() else None


def deliveries_of(endpoint: Endpoint) -> QuerySet[Delivery]:
    return endpoint.deliveries.select_related("message").order_by("-created_at", "-pk")


def delivery_get(*, campaign: Campaign, pk: int) -> Delivery:
    delivery = (
        Delivery.objects.select_related("endpoint", "message")
        .filter(endpoint__campaign=campaign, pk=pk)
        .first()
    )
    if delivery is None:
        raise NotFound(_("This delivery does not exist."))
    return delivery
