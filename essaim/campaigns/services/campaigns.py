"""Campaigns, their co-hosts, followers and updates."""

import secrets
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.accounts.screening import admit, content_admitted
from essaim.accounts.services import require_good_standing
from essaim.campaigns import events, permissions
from essaim.campaigns.models import (
    Campaign,
    CampaignFollow,
    CampaignHost,
    CampaignUpdate,
    UpdateComment,
    UpdateReaction,
)
from essaim.campaigns.models.campaign import CONSENT_MAX_LENGTH
from essaim.campaigns.selectors import campaign_forget
from essaim.communities.models import Community
from essaim.core.dates import check_plausible_date
from essaim.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from essaim.core.images import cover_replace
from essaim.core.models import Moderation
from essaim.core.reportable import disputed_note_set, moderation_set

RESERVED_SLUGS = frozenset({"new", "invitations", "payments"})


def _free_slug(title: str) -> str:
    base = (slugify(title) or "campagne")[:70]
    candidate = base
    while candidate in RESERVED_SLUGS or Campaign.objects.filter(slug=candidate).exists():
        candidate = f"{base}-{secrets.token_hex(2)}"
    return candidate


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    check_plausible_date(starts_on)
    check_plausible_date(ends_on)
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError(_("The campaign cannot end before it starts."))


def require_host(actor: User, campaign: Campaign) -> None:
    """NotFound for who may not even see the campaign, PermissionDenied for other non-hosts
    and for a suspended host (hosting is writing)."""
    if not permissions.is_host(actor, campaign):
        if not permissions.can_view(actor, campaign):
            raise NotFound(_("This campaign does not exist."))
        raise PermissionDenied(_("Only the campaign's hosts can do this."))
    require_good_standing(actor)


@transaction.atomic
def campaign_create(
    *,
    creator: User,
    title: str,
    summary: str,
    category: str,
    body: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    cover: UploadedFile | None = None,
    cover_alt: str = "",
    consent_text: str = "",
) -> Campaign:
    """A draft campaign; its creator is its first host."""
    if not title.strip() or not summary.strip():
        raise ValidationError(_("A campaign needs a title and a summary."))
    if category not in Campaign.Category.values:
        raise ValidationError(_("Choose a cause."))
    _check_dates(starts_on, ends_on)
    consent_text = _checked_consent(consent_text)
    admission = admit(author=creator, texts=[title, summary, body, consent_text])
    campaign = Campaign.objects.create(
        moderation=admission.state,
        slug=_free_slug(title),
        title=title.strip(),
        summary=summary.strip(),
        body=body.strip(),
        consent_text=consent_text,
        category=category,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=creator,
        cover_alt=cover_alt.strip(),
    )
    if cover is not None:
        cover_replace(campaign, cover, stem=campaign.slug)
        campaign.save(update_fields=["cover"])
    CampaignHost.objects.create(
        campaign=campaign, user=creator, status=CampaignHost.Status.ACCEPTED, invited_by=creator
    )
    content_admitted(campaign, admission)
    return campaign


def campaign_update(
    *,
    actor: User,
    campaign: Campaign,
    title: str,
    summary: str,
    category: str,
    body: str,
    starts_on: date | None,
    ends_on: date | None,
    cover: UploadedFile | None = None,
    cover_alt: str | None = None,
    consent_text: str | None = None,
) -> Campaign:
    """Change the campaign's text; `consent_text` None leaves the consent as it is."""
    require_host(actor, campaign)
    if not title.strip() or not summary.strip():
        raise ValidationError(_("A campaign needs a title and a summary."))
    _check_dates(starts_on, ends_on)
    if consent_text is not None:
        campaign.consent_text = _checked_consent(consent_text)
    admission = admit(author=actor, texts=[title, summary, body, campaign.consent_text])
    campaign.title, campaign.summary, campaign.body = title.strip(), summary.strip(), body.strip()
    if campaign.moderation == Moderation.VISIBLE:
        campaign.moderation = admission.state
    campaign.category, campaign.starts_on, campaign.ends_on = category, starts_on, ends_on
    if cover_alt is not None:
        campaign.cover_alt = cover_alt.strip()
    if cover is not None:
        cover_replace(campaign, cover, stem=campaign.slug)
    campaign.save()
    content_admitted(campaign, admission)
    campaign_forget(campaign.slug)
    return campaign


def _checked_consent(text: str) -> str:
    """What a visitor without an account agrees to, in the hosts' words (empty: the instance's
    standard text). Each guest action keeps the text as it was then, so a change here alters
    no consent already given."""
    text = text.strip()
    if len(text) > CONSENT_MAX_LENGTH:
        raise ValidationError(
            _("The consent text is at most %(limit)s characters long.")
            % {"limit": CONSENT_MAX_LENGTH}
        )
    return text


def campaign_moderation_set(campaign: Campaign, state: str, only_from: str | None = None) -> bool:
    """Moderation's decision on a campaign (through the reportable registry)."""
    changed = moderation_set(campaign, state, only_from)
    campaign_forget(campaign.slug)
    return changed


def campaign_disputed_set(campaign: Campaign, note: str) -> None:
    disputed_note_set(campaign, note)
    campaign_forget(campaign.slug)


def campaign_set_status(*, actor: User, campaign: Campaign, status: str) -> Campaign:
    """draft → live → closed; a closed campaign may go live again. Repeating is harmless."""
    require_host(actor, campaign)
    allowed: dict[str, set[str]] = {
        Campaign.Status.LIVE: {Campaign.Status.DRAFT, Campaign.Status.CLOSED},
        Campaign.Status.CLOSED: {Campaign.Status.LIVE},
    }
    if status == campaign.status:
        return campaign
    if campaign.status not in allowed.get(status, set()):
        raise ValidationError(_("This change of status is not possible."))
    campaign.status = status
    campaign.save(update_fields=["status", "updated_at"])
    campaign_forget(campaign.slug)
    return campaign


def host_invite(
    *,
    actor: User,
    campaign: Campaign,
    user: User | None = None,
    community: Community | None = None,
) -> CampaignHost:
    """Invite a person or a community to co-host. Inviting again returns the same invitation
    (and renews a declined one). A person invited (or invited again) is told through
    `events.HOST_INVITED`, inside this transaction."""
    require_host(actor, campaign)
    if (user is None) == (community is None):
        raise ValidationError(_("Invite one person or one community."))
    lookup = {"user": user} if user is not None else {"community": community}
    try:
        with transaction.atomic():
            host, created = CampaignHost.objects.get_or_create(
                campaign=campaign, **lookup, defaults={"invited_by": actor}
            )
    except IntegrityError as error:
        raise Conflict(_("This invitation already exists.")) from error
    renewed = not created and host.status == CampaignHost.Status.DECLINED
    if renewed:
        host.status = CampaignHost.Status.INVITED
        host.invited_by = actor
        host.save(update_fields=["status", "invited_by", "updated_at"])
    if (created or renewed) and host.user_id is not None:
        events.HOST_INVITED.publish(
            host_id=host.pk,
            user_id=host.user_id,
            campaign_id=campaign.pk,
            campaign_title=campaign.title,
            campaign_url=campaign.get_absolute_url(),
            invited_by_name=actor.display_name,
            invited_at=host.updated_at.isoformat(),
        )
    return host


@transaction.atomic
def host_respond(*, actor: User, host: CampaignHost, accept: bool) -> CampaignHost:
    if not permissions.can_answer_invitation(actor, host):
        raise NotFound(_("This invitation does not exist."))
    host.status = CampaignHost.Status.ACCEPTED if accept else CampaignHost.Status.DECLINED
    host.save(update_fields=["status", "updated_at"])
    if accept and host.user_id is not None:
        events.HOST_ACCEPTED.publish(
            host_id=host.pk, user_id=host.user_id, campaign_id=host.campaign_id
        )
    return host


def campaign_follow(*, user: User, campaign: Campaign) -> None:
    require_good_standing(user)
    if not permissions.can_view(user, campaign):
        raise NotFound(_("This campaign does not exist."))
    CampaignFollow.objects.get_or_create(user=user, campaign=campaign)


def campaign_unfollow(*, user: User, campaign: Campaign) -> None:
    CampaignFollow.objects.filter(user=user, campaign=campaign).delete()


def update_create(*, actor: User, campaign: Campaign, body: str) -> CampaignUpdate:
    require_host(actor, campaign)
    if not body.strip():
        raise ValidationError(_("Your message is empty."))
    body = body.strip()
    # Screened as every published text is: a held update waits for the moderators.
    admission = admit(author=actor, texts=[body])
    update = CampaignUpdate.objects.create(
        campaign=campaign, author=actor, body=body, moderation=admission.state
    )
    content_admitted(update, admission)
    return update


def update_comment(*, user: User, update: CampaignUpdate, body: str) -> UpdateComment:
    require_good_standing(user)
    if not permissions.can_view(user, update.campaign):
        raise NotFound(_("This campaign does not exist."))
    if not body.strip():
        raise ValidationError(_("Your comment is empty."))
    body = body.strip()
    admission = admit(author=user, texts=[body])
    comment = UpdateComment.objects.create(
        update=update, author=user, body=body, moderation=admission.state
    )
    content_admitted(comment, admission)
    return comment


def update_like(*, user: User, update: CampaignUpdate) -> None:
    require_good_standing(user)
    if not permissions.can_view(user, update.campaign):
        raise NotFound(_("This campaign does not exist."))
    UpdateReaction.objects.get_or_create(user=user, update=update)


def update_unlike(*, user: User, update: CampaignUpdate) -> None:
    UpdateReaction.objects.filter(user=user, update=update).delete()


def host_for_code(campaign: Campaign, code: str | None) -> CampaignHost | None:
    """The accepted co-host behind an attribution code, or None (an unknown or foreign code
    credits nobody rather than failing the visitor's action)."""
    if not code:
        return None
    return CampaignHost.objects.filter(
        campaign=campaign, code=code, status=CampaignHost.Status.ACCEPTED
    ).first()
