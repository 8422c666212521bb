"""Campaigns, as moderation sees them: reportable by whoever may see them; handled by the
instance's admins (a campaign belongs to no single community)."""

from django.utils.translation import gettext_lazy as _

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign
from essaim.campaigns.selectors import campaigns_visible_to
from essaim.campaigns.services import campaigns as services
from essaim.core.reportable import Reportable


def _find(pk: int, viewer: User) -> Campaign | None:
    return campaigns_visible_to(viewer).select_related("created_by").filter(pk=pk).first()


def _preview(campaign: Campaign) -> str:
    parts = (campaign.title, campaign.summary, campaign.body)
    return "\n".join(part for part in parts if part)[:1000]


CAMPAIGN = Reportable(
    kind="campaign",
    model=Campaign,
    label=_("campaign"),
    description=_("a campaign by %(name)s"),
    find=_find,
    author=lambda campaign: campaign.created_by,
    preview=_preview,
    url=lambda campaign: campaign.get_absolute_url(),
    set_state=lambda campaign, state, only_from: services.campaign_moderation_set(
        campaign=campaign, state=state, only_from=only_from
    ),
    set_disputed=lambda campaign, note: services.campaign_disputed_set(
        campaign=campaign, note=note
    ),
)
