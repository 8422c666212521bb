from django.http import HttpRequest

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign, CampaignHost
from essaim.campaigns.services.campaigns import host_for_code

SESSION_KEY = "campaign_via"


def person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # behind login_required
    return request.user


def remember_attribution(request: HttpRequest, campaign: Campaign) -> None:
    """First touch wins: the co-host code of the first link that brought this visitor to this
    campaign is kept in their session (no third-party cookie), and credited on their actions,
    even after they sign up or log in (Django keeps the session's data across log-in)."""
    code = request.GET.get("via", "")[:16]
    if not code:
        return
    remembered: dict[str, str] = request.session.get(SESSION_KEY, {})
    if str(campaign.pk) not in remembered and host_for_code(campaign, code) is not None:
        remembered[str(campaign.pk)] = code
        request.session[SESSION_KEY] = remembered


def attributed_host(request: HttpRequest, campaign: Campaign) -> CampaignHost | None:
    code = request.session.get(SESSION_KEY, {}).get(str(campaign.pk))
    return host_for_code(campaign, code)
