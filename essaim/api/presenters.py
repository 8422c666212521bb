"""Rows as the API shows them to one caller. Whether the caller may see a row at all is
decided by the domain selectors before anything reaches these functions."""

from typing import Any

from django.urls import reverse

from essaim.accounts.models import User
from essaim.aid.models import AidListing
from essaim.campaigns.models import Campaign, Event
from essaim.communities.models import Community, Post
from essaim.core.site import absolute_url


def person(user: User) -> dict[str, Any]:
    return {
        "handle": user.handle,
        "display_name": user.display_name,
        "url": absolute_url(user.get_absolute_url()),
    }


def community(
    item: Community, *, can_view_content: bool, is_member: bool, member_count: int | None
) -> dict[str, Any]:
    """Outsiders of a private community learn its name and how to join, as on its page."""
    return {
        "slug": item.slug,
        "name": item.name,
        "visibility": item.visibility,
        "join_mode": item.join_mode,
        "url": absolute_url(item.get_absolute_url()),
        "is_member": is_member,
        "city": item.city if can_view_content else None,
        "description": item.description if can_view_content else None,
        "charter": item.charter if can_view_content else None,
        "member_count": member_count if can_view_content else None,
    }


def post(item: Post) -> dict[str, Any]:
    """`item` comes from communities.selectors.annotate_posts (counts and liked_by_me)."""
    return {
        "id": item.pk,
        "community": item.community.slug,
        "author": person(item.author),
        "body": item.body,
        "created_at": item.created_at,
        "moderation": item.moderation,
        "like_count": item.like_count,  # type: ignore[attr-defined]
        "comment_count": item.comment_count,  # type: ignore[attr-defined]
        "liked_by_me": item.liked_by_me,  # type: ignore[attr-defined]
        "url": absolute_url(item.get_absolute_url()),
    }


def listing(item: AidListing) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "category": item.category,
        "title": item.title,
        "body": item.body,
        "place": item.place,
        "status": item.status,
        "moderation": item.moderation,
        "community": item.community.slug if item.community else None,
        "author": person(item.author),
        "expires_at": item.expires_at,
        "created_at": item.created_at,
        "url": absolute_url(item.get_absolute_url()),
    }


def campaign_item(item: Campaign) -> dict[str, Any]:
    return {
        "slug": item.slug,
        "title": item.title,
        "summary": item.summary,
        "category": item.category,
        "status": item.status,
        "starts_on": item.starts_on,
        "ends_on": item.ends_on,
        "created_at": item.created_at,
        "url": absolute_url(item.get_absolute_url()),
    }


def event(item: Event, campaign: Campaign) -> dict[str, Any]:
    """`item` comes from campaigns.selectors.events_of (confirmed and waiting counts)."""
    return {
        "id": item.pk,
        "title": item.title,
        "description": item.description,
        "address": item.address,
        "city": item.city,
        "starts_at": item.starts_at,
        "ends_at": item.ends_at,
        "capacity": item.capacity,
        "status": item.status,
        "confirmed": item.confirmed,  # type: ignore[attr-defined]
        "waiting": item.waiting,  # type: ignore[attr-defined]
        "url": absolute_url(
            reverse("campaigns:event", kwargs={"slug": campaign.slug, "pk": item.pk})
        ),
    }
