"""Writes on the mutual-aid board: listings and their lifecycle.

open → promised → done; open or promised → withdrawn (by the author); promised → open again;
open or promised → expired (by the expiry task, once `expires_at` has passed). Asking for the
state a listing is already in does nothing: a repeated click is harmless.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.accounts.screening import admit, content_admitted
from essaim.aid.models import AidListing
from essaim.aid.search import search_text_for
from essaim.communities import permissions as community_permissions
from essaim.communities.models import Community
from essaim.core.errors import PermissionDenied, ValidationError
from essaim.core.geocoding import geocoder, place_fields
from essaim.core.models import Moderation

Status = AidListing.Status

# target status → the statuses it may be reached from
TRANSITIONS: dict[str, set[str]] = {
    Status.PROMISED: {Status.OPEN},
    Status.DONE: {Status.OPEN, Status.PROMISED},
    Status.WITHDRAWN: {Status.OPEN, Status.PROMISED},
    Status.OPEN: {Status.PROMISED},
}


def _check_fields(*, title: str, kind: str, category: str, expires_at: datetime | None) -> None:
    # A naive time names no instant (and cannot be compared with now): refused, not guessed.
    if expires_at is not None and timezone.is_naive(expires_at):
        raise ValidationError(_("Give the expiry date with its time zone."))
    if not title.strip():
        raise ValidationError(_("Please give your listing a title."))
    if kind not in AidListing.Kind.values:
        raise ValidationError(_("Choose an offer or a request."))
    if category not in AidListing.Category.values:
        raise ValidationError(_("Choose a category."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry date must be in the future."))


def _check_community(author: User, community: Community | None) -> None:
    if community is None:
        return
    if not community_permissions.is_active_member(
        community_permissions.membership_of(author, community)
    ):
        raise PermissionDenied(_("Only members can post in this community."))


def _listing_place(place: str) -> tuple[str, dict[str, Any]]:
    """What a listing keeps of the place its author typed: the commune's name and point when
    the geocoder knows it (so "12 rue X, 75011 Paris" is stored as "Paris 11e Arrondissement"
    and the address itself is dropped), else the words as typed and no point."""
    found = geocoder().geocode(place) if place else None
    if found is not None:
        place = found.commune
    return place, place_fields(place, commune_only=True)


def listing_create(
    *,
    author: User,
    kind: str,
    category: str,
    title: str,
    body: str = "",
    place: str = "",
    community: Community | None = None,
    expires_at: datetime | None = None,
) -> AidListing:
    _check_fields(title=title, kind=kind, category=category, expires_at=expires_at)
    _check_community(author, community)
    title, body, place = title.strip(), body.strip(), place.strip()
    admission = admit(author=author, texts=[title, body, place])
    place, place_data = _listing_place(place)
    listing = AidListing.objects.create(
        moderation=admission.state,
        author=author,
        kind=kind,
        category=category,
        title=title,
        body=body,
        place=place,
        community=community,
        expires_at=expires_at,
        search_text=search_text_for(title=title, body=body, place=place),
        **place_data,
    )
    content_admitted(listing, admission)
    return listing


def listing_update(
    *,
    actor: User,
    listing: AidListing,
    kind: str,
    category: str,
    title: str,
    body: str,
    place: str,
    community: Community | None,
    expires_at: datetime | None,
) -> AidListing:
    if actor.pk != listing.author_id:
        raise PermissionDenied(_("Only the author can edit this listing."))
    if not listing.is_active:
        raise ValidationError(_("This listing is closed and can no longer be edited."))
    expiry_changed = expires_at != listing.expires_at
    _check_fields(
        title=title, kind=kind, category=category, expires_at=expires_at if expiry_changed else None
    )
    if community != listing.community:
        _check_community(actor, community)
    admission = admit(author=actor, texts=[title, body, place])
    listing.kind, listing.category = kind, category
    place, place_data = _listing_place(place.strip())
    listing.title, listing.body, listing.place = title.strip(), body.strip(), place
    listing.community, listing.expires_at = community, expires_at
    for field, value in place_data.items():
        setattr(listing, field, value)
    listing.search_text = search_text_for(
        title=listing.title, body=listing.body, place=listing.place
    )
    if admission.state != listing.moderation and listing.moderation == Moderation.VISIBLE:
        listing.moderation = admission.state
    listing.save()
    content_admitted(listing, admission)
    return listing


@transaction.atomic
def listing_set_status(*, actor: User, listing: AidListing, status: str) -> AidListing:
    """Move a listing along its lifecycle; only its author does, and only along the arrows."""
    locked = AidListing.objects.select_for_update().get(pk=listing.pk)
    if actor.pk != locked.author_id:
        raise PermissionDenied(_("Only the author can change this listing."))
    if status not in TRANSITIONS:
        raise ValidationError(_("This change is not possible."))
    if locked.status == status:
        return locked
    if locked.status not in TRANSITIONS[status]:
        raise ValidationError(
            _("A listing that is “%(current)s” cannot become “%(target)s”.")
            % {
                "current": Status(locked.status).label,
                "target": Status(status).label,
            }
        )
    locked.status = status
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    return locked


def listing_expire_due(*, now: datetime | None = None) -> int:
    """Expire every open or promised listing whose date has passed, in one UPDATE."""
    now = now or timezone.now()
    return AidListing.objects.filter(
        status__in=[Status.OPEN, Status.PROMISED], expires_at__lte=now
    ).update(status=Status.EXPIRED, status_changed_at=now, updated_at=now)


def listings_withdraw_all(*, author: User) -> int:
    """When an account is deleted: its open listings leave the board."""
    now = timezone.now()
    return AidListing.objects.filter(
        author=author, status__in=[Status.OPEN, Status.PROMISED]
    ).update(status=Status.WITHDRAWN, status_changed_at=now, updated_at=now)
