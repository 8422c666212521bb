"""Campaigns, their updates and the comments on them, as moderation sees them: reportable by
whoever may see the campaign; handled by the instance's admins (a campaign belongs to no single
community)."""

from django.utils.translation import gettext_lazy as _

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign, CampaignUpdate, UpdateComment
from essaim.campaigns.services.campaigns import campaign_disputed_set, campaign_moderation_set
from essaim.core.reportable import Reportable, disputed_note_set, moderation_set


def _find(pk: int, viewer: User) -> Campaign | None:
    return Campaign.objects.visible_to(viewer).select_related("created_by").filter(pk=pk).first()


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
    set_state=campaign_moderation_set,
    set_disputed=campaign_disputed_set,
)


def _find_update(pk: int, viewer: User) -> CampaignUpdate | None:
    return (
        CampaignUpdate.objects.filter(campaign__in=Campaign.objects.visible_to(viewer))
        .select_related("campaign", "author")
        .filter(pk=pk)
        .first()
    )


def _find_update_comment(pk: int, viewer: User) -> UpdateComment | None:
    return (
        UpdateComment.objects.filter(update__campaign__in=Campaign.objects.visible_to(viewer))
        .select_related("update__campaign", "author")
        .filter(pk=pk)
        .first()
    )


UPDATE = Reportable(
    kind="update",
    model=CampaignUpdate,
    label=_("campaign update"),
    description=_("a campaign update by %(name)s"),
    find=_find_update,
    author=lambda update: update.author,
    preview=lambda update: update.body[:1000],
    url=lambda update: update.get_absolute_url(),
    set_state=moderation_set,
    set_disputed=disputed_note_set,
)

UPDATE_COMMENT = Reportable(
    kind="update_comment",
    model=UpdateComment,
    label=_("comment on a campaign update"),
    description=_("a comment on a campaign update by %(name)s"),
    find=_find_update_comment,
    author=lambda comment: comment.author,
    preview=lambda comment: comment.body[:1000],
    url=lambda comment: f"{comment.update.get_absolute_url()}#comment-{comment.pk}",
    set_state=moderation_set,
    set_disputed=disputed_note_set,
)
