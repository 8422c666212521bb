"""What the preview of a shared campaign or event link says (drawn by `core.share_card`):
the campaign's cause, title, summary and the figures of its card (count, goal, progress);
an event's campaign, title, date and place, and how many are coming."""

from django.utils import formats
from django.utils.translation import ngettext

from essaim.campaigns.cards import campaign_cards
from essaim.campaigns.models import Campaign, Event, Rsvp
from essaim.core.share_card import ShareText


def campaign_share_text(campaign: Campaign) -> ShareText:
    card = campaign_cards([campaign])[0]
    figures = (
        f"{formats.number_format(card.count)} {card.count_label}"
        if card.count is not None
        else card.count_label
    )
    if card.goal_label:
        figures += f" · {card.goal_label}"
    return ShareText(
        kicker=str(campaign.get_category_display()),
        title=campaign.title,
        subtitle=campaign.summary,
        figures=figures,
        percent=card.percent,
    )


def event_share_text(event: Event) -> ShareText:
    coming = event.rsvps.filter(status=Rsvp.Status.CONFIRMED).count()
    when = formats.date_format(event.starts_at, "DATETIME_FORMAT")
    return ShareText(
        kicker=event.campaign.title,
        title=event.title,
        subtitle=f"{when} · {event.city or event.address}",
        figures=ngettext("%(count)s coming", "%(count)s coming", coming)
        % {"count": formats.number_format(coming)}
        + " · "
        + ngettext("%(places)s place", "%(places)s places", event.capacity)
        % {"places": formats.number_format(event.capacity)},
        percent=min(100, round(100 * coming / event.capacity)) if event.capacity else None,
    )
