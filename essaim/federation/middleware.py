"""Content negotiation: a page that has an ActivityStreams form (a community, a post, an event)
answers it to a request that asks for `application/activity+json` or `application/ld+json`,
at the same address, so the actor's id is also its page. Other requests go on to the HTML
view, with `Vary: Accept` so that no cache serves one form for the other."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from essaim.federation import views

NEGOTIATED: dict[str, Callable[..., HttpResponse]] = {
    "communities:detail": views.community_document,
    "communities:post": views.post_document,
    "campaigns:event": views.event_document,
}


def wants_activity(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "").lower()
    return "application/activity+json" in accept or "application/ld+json" in accept


class ActivityPubNegotiationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = None
        kwargs: dict[str, object] = {}
        if request.method in ("GET", "HEAD"):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None:
                view = NEGOTIATED.get(match.view_name)
                kwargs = match.kwargs
        if view is None:
            return self.get_response(request)
        if wants_activity(request):
            response = view(request, **kwargs)
        else:
            response = self.get_response(request)
        patch_vary_headers(response, ["Accept"])
        return response
