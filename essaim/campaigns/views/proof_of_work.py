"""The proof of work's challenge, fetched by the page's script (static/campaigns/
proof_of_work.js) when the visitor starts filling the form.

Not rendered into the form itself: the anonymous crowd shares one rendering of a campaign's
page (core.pagecache), and a challenge is spent once, so each visitor asks for their own."""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from essaim.campaigns import selectors
from essaim.campaigns.services.proof_of_work import FORMS, challenge_issue
from essaim.core.errors import NotFound


@never_cache
@require_GET
def proof_challenge(request: HttpRequest, slug: str, form: str) -> JsonResponse:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    if form not in FORMS:
        raise NotFound(_("There is no such form."))
    challenge = challenge_issue(campaign=campaign, form=form)
    return JsonResponse(
        {"challenge": challenge.token, "bits": challenge.bits, "seconds": challenge.seconds}
    )
