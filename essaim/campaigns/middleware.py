"""The one-click signing lane, for the crowd of a viral petition.

An htmx signature by a logged-in person is answered here, right after the CSRF check's
set-up, instead of going down the rest of the request cycle: it needs neither the person's
row (the SQL statement checks the session itself, see `accounts.sessions`), nor messages,
allauth or the API's tokens, and it signs in one statement (`services.quick_sign`). It keeps
what protects the action: Django's own CSRF check, the write limits (counted by account and
address, as everywhere), the campaign's visibility, and a clear 503 while the database is
away. What it does not answer — SQLite, a form post without JavaScript, an API call, no
log-in in the session, any refusal — goes on down the ordinary stack, where the view
`views.actions.pledge_sign` answers as it always did."""

from collections.abc import Callable

from django.contrib.auth import get_user
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.template.loader import render_to_string
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django_htmx.middleware import HtmxDetails

from essaim.accounts.models import User
from essaim.accounts.sessions import session_login
from essaim.accounts.trust import NEW, trust_level
from essaim.campaigns import selectors
from essaim.campaigns.forms import SignForm
from essaim.campaigns.models import Campaign, Pledge
from essaim.campaigns.services.quick_sign import QuickSignature, pledge_sign_quick
from essaim.core.middleware import database_unavailable
from essaim.moderation.ratelimit import check_writer, too_many
from essaim.relay.attribution import touched_codes

SIGN_VIEW = "campaigns:sign"


class QuickSignMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = _lane_match(request)
        if match is None:
            return self.get_response(request)
        try:
            return self._sign(request, match)
        except (OperationalError, InterfaceError) as error:
            return database_unavailable(request, error)

    def _sign(self, request: HttpRequest, match: ResolverMatch) -> HttpResponse:
        slug = str(match.kwargs["slug"])
        login = session_login(request)
        if login is None:
            return self.get_response(request)
        user_id, session_hash = login
        # What the skipped middleware would have set, for the answers rendered with the
        # request (a refusal): the person, read only if such an answer needs them.
        request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
        request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
        refusal = self.csrf.process_view(request, match.func, (), {})
        if refusal is not None:
            return refusal
        wait = check_writer(
            request,
            user_id=user_id,
            level_of=lambda: _trust_level_of(user_id),
        )
        if wait is not None:
            return too_many(request, wait)
        form = SignForm(request.POST)
        show_name = bool(form.is_valid() and form.cleaned_data["show_name"])
        signed = pledge_sign_quick(
            user_id=user_id,
            session_hash=session_hash,
            slug=slug,
            show_name=show_name,
            link_codes=touched_codes(request),
        )
        if signed is None:
            # Nothing was written; the ordinary path explains why (its write limits know this
            # request was counted).
            return self.get_response(request)
        return _panel(request, slug, signed, user_id=user_id, show_name=show_name)


def _trust_level_of(user_id: int) -> int:
    # Read only when the strictest limits are passed; an account gone since counts as new.
    person = User.objects.filter(pk=user_id).first()
    return trust_level(person) if person is not None else NEW


def _lane_match(request: HttpRequest) -> ResolverMatch | None:
    """The sign view's match when this request is the lane's: an htmx POST to it, with no API
    token, on PostgreSQL."""
    if (
        request.method != "POST"
        or request.headers.get("HX-Request") != "true"
        or "Authorization" in request.headers
        or connection.vendor != "postgresql"
    ):
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match if match.view_name == SIGN_VIEW else None


def _panel(
    request: HttpRequest, slug: str, signed: QuickSignature, *, user_id: int, show_name: bool
) -> HttpResponse:
    """The pledge panel the view would render after signing, in the signer's language."""
    campaign = Campaign(pk=signed.campaign_id, slug=slug, status=Campaign.Status.LIVE)
    pledge = Pledge(pk=signed.pledge_id, campaign=campaign, text=signed.pledge_text, goal_ladder="")
    with translation.override(signed.language or translation.get_language()):
        html = render_to_string(
            "campaigns/_pledge.html",
            {
                "campaign": campaign,
                "pledge": pledge,
                "pledge_state": {
                    **selectors.pledge_progress(signed.count, signed.goal_ladder),
                    "signed": True,
                    "show_name": show_name,
                    "recent": selectors.recent_signers_shared(pledge, 10),
                },
                "can_act": True,
                # The template asks only whether someone is logged in: no need to read them.
                "user": User(pk=user_id),
                "csrf_token": get_token(request),
            },
        )
        language = translation.get_language()
    response = HttpResponse(html)
    response.headers["Content-Language"] = language
    return response
