from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from essaim.accounts.http import person
from essaim.campaigns.cards import live_campaigns, todays_challenges
from essaim.core.http import HtmxHttpRequest
from essaim.feed import selectors


@require_GET
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
