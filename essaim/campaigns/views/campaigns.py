from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts.http import person
from essaim.accounts.models import User
from essaim.accounts.permissions import can_moderate_instance
from essaim.campaigns import permissions, selectors
from essaim.campaigns.attribution import arrive_via
from essaim.campaigns.cards import campaign_cards
from essaim.campaigns.forms import (
    BodyForm,
    CampaignForm,
    ChallengeSetupForm,
    FundraiserSetupForm,
    InviteForm,
    PledgeSetupForm,
    VideoForm,
)
from essaim.campaigns.models import Campaign, CampaignHost, CampaignUpdate
from essaim.campaigns.selectors.guest import guest_contacts_count
from essaim.campaigns.services import campaigns as campaign_services
from essaim.campaigns.services.challenge import challenge_setup
from essaim.campaigns.services.fundraising import fundraiser_setup
from essaim.campaigns.services.pledge import pledge_setup
from essaim.campaigns.services.video import campaign_video_set
from essaim.campaigns.share_image import campaign_share_text
from essaim.campaigns.views.actions import (
    actions_context,
    challenge_of,
    fundraiser_of,
    pledge_of,
)
from essaim.campaigns.views.guest import returning_guest_context
from essaim.communities.models import Community
from essaim.core import parts
from essaim.core.errors import NotFound
from essaim.core.http import HtmxHttpRequest, redirect_back
from essaim.core.models import shown_q
from essaim.core.pagecache import shared_page
from essaim.core.share_card import share_card, share_card_response

LIST_PAGE_SIZE = 20
# How long anonymous visitors may see counts that lag: the price of surviving a viral spike
# (the shared page, essaim.core.pagecache). The page's content has a copy of its own as old
# (for anonymous visits through share links, which are not shared pages), so a renewed page
# may lag up to twice this.
PUBLIC_CACHE_SECONDS = 10


@require_GET
def campaign_list(request: HtmxHttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.visible_to(request.user).exclude(status=Campaign.Status.CLOSED)
    page = Paginator(campaigns, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    invitations = selectors.invitations_for(request.user) if isinstance(request.user, User) else []
    return render(
        request,
        "campaigns/campaign_list.html",
        {"page": page, "cards": campaign_cards(list(page)), "invitations": invitations},
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HtmxHttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            campaign = campaign_services.campaign_create(
                creator=person(request), **form.cleaned_data
            )
            messages.success(request, _("Your campaign is a draft: add actions, then publish it."))
            return redirect("campaigns:manage", slug=campaign.slug)
        return render(request, "campaigns/campaign_form.html", {"form": form}, status=400)
    return render(request, "campaigns/campaign_form.html", {"form": form})


def detail_context(request: HtmxHttpRequest, campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "hosts": selectors.hosts_of(campaign),
        "updates": campaign.updates.filter(shown_q(request.user))
        .select_related("author")
        .prefetch_related("reactions")[:5],
        "impact": selectors.impact_totals(campaign),
        "leaderboard": selectors.host_leaderboard(campaign),
        "summary_parts": parts.parts_for("campaigns.detail.summary", campaign=campaign),
        "video": selectors.campaign_video_shown(campaign),
        "events": selectors.events_of(campaign, request.user)[:20],
        **actions_context(request, campaign),
    }


@require_GET
@shared_page(timeout=PUBLIC_CACHE_SECONDS)
def campaign_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    # The instance's moderators read a held or hidden campaign here, where its case links.
    campaign = selectors.campaign_get_for(slug=slug, user=request.user, moderated_too=True)
    arrive_via(request, campaign)
    is_host = permissions.is_host(request.user, campaign)
    if request.user.is_authenticated:
        content = render_to_string(
            "campaigns/_campaign_content.html",
            {
                **detail_context(request, campaign),
                "seen_as_moderator": not is_host and not campaign.is_shown,
                "share_parts": parts.parts_for(
                    "campaigns.detail.share",
                    viewer=request.user,
                    campaign=campaign,
                    is_host=is_host,
                ),
                "is_host": is_host,
                "invitation": selectors.invitations_for(person(request))
                .filter(campaign=campaign)
                .first(),
            },
            request=request,
        )
    else:
        # Anonymous visitors, the crowd of a viral spike, share one rendering per language for
        # a few seconds. It holds no form and no token of anyone's: only links to log in.
        # A guest back in the browser they acted in sees their own action: a page for them
        # alone (core.pagecache does not share it either), never the crowd's copy.
        mine = returning_guest_context(request, campaign)
        if mine:
            content = render_to_string(
                "campaigns/_campaign_content.html",
                {**detail_context(request, campaign), "is_host": False, **mine},
                request=request,
            )
        else:
            key = f"campaign-page:{campaign.pk}:{campaign.updated_at.timestamp()}:{get_language()}"
            content = cache.get(key)
            if content is None:
                content = render_to_string(
                    "campaigns/_campaign_content.html",
                    {**detail_context(request, campaign), "is_host": False},
                    request=request,
                )
                cache.set(key, content, PUBLIC_CACHE_SECONDS)
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "content": mark_safe(content),  # noqa: S308 - our own template's output
            "is_host": is_host,
            "is_following": selectors.is_following(request.user, campaign),
            # The instance's moderators set suspicious signatures aside too.
            "moderates": can_moderate_instance(request.user),
            # For the preview's address: what link crawlers (anonymous) read; a person's
            # own page needs none.
            "share_query": ""
            if request.user.is_authenticated
            else f"?v={campaign_share_text(campaign).version}",
        },
    )


@require_GET
def campaign_share_image(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    text = campaign_share_text(campaign)
    return share_card_response(
        share_card(f"campaign:{campaign.pk}", text),
        version=text.version,
        asked=request.GET.get("v"),
    )


def _manage_context(campaign: Campaign, **forms: Any) -> dict[str, Any]:
    pledge, challenge, fundraiser = (
        pledge_of(campaign),
        challenge_of(campaign),
        fundraiser_of(campaign),
    )
    video = selectors.campaign_video_of(campaign)
    context: dict[str, Any] = {
        "campaign": campaign,
        "has_pledge": pledge is not None,
        "campaign_form": CampaignForm(
            initial={
                field: getattr(campaign, field)
                for field in (
                    "title",
                    "summary",
                    "category",
                    "body",
                    "starts_on",
                    "ends_on",
                    "consent_text",
                    "cover_alt",
                )
            }
        ),
        "invite_form": InviteForm(),
        "video": video,
        "video_form": VideoForm(initial={"url": video.url if video else ""}),
        "pledge_form": PledgeSetupForm(
            initial={"text": pledge.text, "goal_ladder": pledge.goal_ladder} if pledge else None
        ),
        "challenge_form": ChallengeSetupForm(
            initial={"starts_on": challenge.starts_on, "ends_on": challenge.ends_on}
            if challenge
            else None
        ),
        "fundraiser_form": FundraiserSetupForm(
            initial={"goal": fundraiser.goal_amount / 100, "currency": fundraiser.currency}
            if fundraiser
            else None
        ),
        "all_hosts": campaign.hosts.select_related("user", "community").order_by("created_at"),
        "leaderboard": selectors.host_leaderboard(campaign),
        "guest_contacts": guest_contacts_count(campaign),
        "proposed": campaign.events.filter(status="proposed").order_by("starts_at"),
    }
    context.update(forms)
    return context


@login_required
@require_http_methods(["GET", "POST"])
def campaign_manage(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The hosts' page: text, status, co-hosts, actions, proposed events, leaderboard."""
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    actor = person(request)
    if not permissions.is_host(actor, campaign):
        raise NotFound(_("This page does not exist."))
    if request.method == "GET":
        return render(request, "campaigns/manage.html", _manage_context(campaign))
    section = request.POST.get("section", "")
    forms_by_section = {
        "campaign": ("campaign_form", CampaignForm),
        "pledge": ("pledge_form", PledgeSetupForm),
        "challenge": ("challenge_form", ChallengeSetupForm),
        "fundraiser": ("fundraiser_form", FundraiserSetupForm),
        "invite": ("invite_form", InviteForm),
        "video": ("video_form", VideoForm),
    }
    if section not in forms_by_section:
        raise NotFound(_("This page does not exist."))
    name, form_class = forms_by_section[section]
    form = form_class(request.POST, request.FILES)
    if isinstance(form, CampaignForm):
        form.has_cover = bool(campaign.cover)
    if not form.is_valid():
        return render(
            request, "campaigns/manage.html", _manage_context(campaign, **{name: form}), status=400
        )
    data = form.cleaned_data
    if section == "campaign":
        campaign_services.campaign_update(actor=actor, campaign=campaign, **data)
    elif section == "pledge":
        pledge_setup(actor=actor, campaign=campaign, **data)
    elif section == "challenge":
        challenge_setup(actor=actor, campaign=campaign, **data)
    elif section == "video":
        campaign_video_set(actor=actor, campaign=campaign, url=data["url"])
    elif section == "fundraiser":
        fundraiser_setup(
            actor=actor, campaign=campaign, goal_amount=data["goal"], currency=data["currency"]
        )
    else:
        _invite(actor, campaign, data)
    messages.success(request, _("Saved."))
    return redirect("campaigns:manage", slug=campaign.slug)


def _invite(actor: User, campaign: Campaign, data: dict[str, Any]) -> CampaignHost:
    if data["handle"]:
        invited = User.objects.filter(handle=data["handle"], is_active=True).first()
        if invited is None:
            raise NotFound(_("No one has the handle “%(handle)s”.") % {"handle": data["handle"]})
        return campaign_services.host_invite(actor=actor, campaign=campaign, user=invited)
    community = Community.objects.filter(slug=data["community"]).first()
    if community is None:
        raise NotFound(_("This community does not exist."))
    return campaign_services.host_invite(actor=actor, campaign=campaign, community=community)


@login_required
@require_POST
def campaign_status(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    campaign_services.campaign_set_status(
        actor=person(request), campaign=campaign, status=request.POST.get("status", "")
    )
    messages.success(
        request, _("The campaign is %(status)s.") % {"status": campaign.get_status_display()}
    )
    return redirect("campaigns:manage", slug=campaign.slug)


@login_required
@require_POST
def host_answer(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    host = selectors.invitations_for(person(request)).filter(pk=pk).first()
    if host is None:
        raise NotFound(_("This invitation does not exist."))
    accept = request.POST.get("answer") == "accept"
    campaign_services.host_respond(actor=person(request), host=host, accept=accept)
    if accept:
        messages.success(
            request, _("You now co-host “%(title)s”.") % {"title": host.campaign.title}
        )
        return redirect(host.campaign)
    messages.info(request, _("Invitation declined."))
    return redirect("campaigns:list")


def _follow_response(request: HtmxHttpRequest, campaign: Campaign) -> HttpResponse:
    if request.htmx:
        return render(
            request,
            "campaigns/_follow_button.html",
            {"campaign": campaign, "is_following": selectors.is_following(request.user, campaign)},
        )
    return redirect_back(request, fallback=campaign.get_absolute_url())


@login_required
@require_POST
def campaign_follow(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    campaign_services.campaign_follow(user=person(request), campaign=campaign)
    return _follow_response(request, campaign)


@login_required
@require_POST
def campaign_unfollow(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    campaign_services.campaign_unfollow(user=person(request), campaign=campaign)
    return _follow_response(request, campaign)


@login_required
@require_POST
def update_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    form = BodyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Your message is empty."))
        return redirect(campaign)
    campaign_services.update_create(
        actor=person(request), campaign=campaign, body=form.cleaned_data["body"]
    )
    messages.success(request, _("Your update is published."))
    return redirect(campaign)


def _update_for(
    request: HtmxHttpRequest, slug: str, pk: int, *, moderating: bool = False
) -> CampaignUpdate:
    campaign = selectors.campaign_get_for(slug=slug, user=request.user)
    update = (
        campaign.updates.filter(shown_q(request.user, moderating=moderating))
        .select_related("author", "campaign")
        .filter(pk=pk)
        .first()
    )
    if update is None:
        raise NotFound(_("This update does not exist."))
    return update


@require_http_methods(["GET", "POST"])
def update_detail(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    # Updates belong to no community: the instance's moderators handle them (reportable.py)
    # and read held or hidden ones here, where the case page links.
    moderating = can_moderate_instance(request.user)
    update = _update_for(request, slug, pk, moderating=moderating)
    form = BodyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect("account_login")
        if form.is_valid():
            campaign_services.update_comment(
                user=person(request), update=update, body=form.cleaned_data["body"]
            )
            return redirect(update)
        status = 400
    return render(
        request,
        "campaigns/update_detail.html",
        {
            "update": update,
            "campaign": update.campaign,
            "comments": update.comments.filter(
                shown_q(request.user, moderating=moderating)
            ).select_related("author"),
            "likes": update.reactions.count(),
            "liked": request.user.is_authenticated
            and update.reactions.filter(user=request.user).exists(),
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def update_like(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    update = _update_for(request, slug, pk)
    if request.POST.get("unlike"):
        campaign_services.update_unlike(user=person(request), update=update)
    else:
        campaign_services.update_like(user=person(request), update=update)
    return redirect_back(request, fallback=update.get_absolute_url())
