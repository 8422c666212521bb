from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from essaim.core.http import HtmxHttpRequest
from essaim.feed import selectors


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    page = selectors.feed_page(request.user, cursor=request.GET.get("after"))
    context: dict[str, Any] = {"page": page}
    if request.htmx and request.GET.get("after"):
        # "More" without leaving the page: the next items and a new "more" link.
        return render(request, "feed/home.html#feed-items", context)
    if not request.user.is_authenticated:
        context["landing"] = selectors.landing()
    elif not page.items:
        context["suggestions"] = selectors.suggestions_for(request.user)
    return render(request, "feed/home.html", context)
