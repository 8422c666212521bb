from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from essaim.accounts.http import person
from essaim.campaigns.cards import live_campaigns, todays_challenges
from essaim.core.http import HtmxHttpRequest
from essaim.core.pagecache import shared_page
from essaim.feed import selectors

# The front door is where a spike lands first: an anonymous visitor's copy is the crowd's,
# renewed every few seconds (the live campaigns' counts lag by that much, as on their pages).
FRONT_DOOR_SECONDS = 10


@require_GET
@shared_page(timeout=FRONT_DOOR_SECONDS)
def home(request: HtmxHttpRequest) -> HttpResponse:
    page = selectors.feed_page(request.user, cursor=request.GET.get("after"))
    context: dict[str, Any] = {"page": page}
    if request.htmx and request.GET.get("after"):
        # "More" without leaving the page: the next items and a new "more" link.
        return render(request, "feed/home.html#feed-items", context)
    # The front door: the live causes as cards, and for a person what asks something of
    # them today before the rest of their feed.
    context["live_campaigns"] = live_campaigns(request.user)
    if not request.user.is_authenticated:
        context["landing"] = selectors.landing()
    else:
        context["todays_challenges"] = todays_challenges(person(request))
        if not page.items:
            context["suggestions"] = selectors.suggestions_for(request.user)
    return render(request, "feed/home.html", context)
