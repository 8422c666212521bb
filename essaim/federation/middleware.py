"""Content negotiation: a page that has an ActivityStreams form (a community, a person who
opted in, a post, an event)
answers it to a request that asks for `application/activity+json` or `application/ld+json`,
at the same address, so the actor's id is also its page. Other requests go on to the HTML
view, with `Vary: Accept` so that no cache serves one form for the other."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from essaim.federation import views

NEGOTIATED: dict[str, Callable[..., HttpResponse]] = {
    "accounts:profile": views.person_document,
    "communities:detail": views.community_document,
    "communities:post": views.post_document,
    "campaigns:event": views.event_document,
}


def wants_activity(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "").lower()
    return "application/activity+json" in accept or "application/ld+json" in accept


class ActivityPubNegotiationMiddleware:
    """Works from the URL Django resolved for the view (`process_view`), not a resolution of
    its own on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if request.method in ("GET", "HEAD") and match and match.view_name in NEGOTIATED:
            patch_vary_headers(response, ["Accept"])
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD") or not wants_activity(request):
            return None
        match = request.resolver_match
        view = NEGOTIATED.get(match.view_name) if match else None
        return view(request, **view_kwargs) if view else None
