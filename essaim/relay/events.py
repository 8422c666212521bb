"""What relay announces; the domains above subscribe in their `AppConfig.ready()`
(notifications tells referrers their link worked), so relay imports none of them. Payloads
are JSON-safe (see `core.events`)."""

from essaim.core.events import Event

REFERRALS_RECORDED = Event(
    "relay.referrals_recorded",
    doc=(
        "People were recorded as supporters brought by someone's link, inside the recording's "
        "transaction: campaign_id, referrer_ids (distinct, sorted)."
    ),
)
