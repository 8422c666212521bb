"""What the board holds about a person, for export and account deletion."""

from typing import Any

from essaim.accounts.models import User
from essaim.aid.models import AidListing
from essaim.aid.services import listings_withdraw_all


def export(user: User) -> list[dict[str, Any]]:
    return [
        {
            "id": listing.pk,
            "kind": listing.kind,
            "category": listing.category,
            "title": listing.title,
            "body": listing.body,
            "place": listing.place,
            "community": listing.community.name if listing.community else None,
            "status": listing.status,
            "created_at": listing.created_at.isoformat(),
            "expires_at": listing.expires_at.isoformat() if listing.expires_at else None,
        }
        for listing in AidListing.objects.filter(author=user).select_related("community")
    ]


def erase(user: User) -> None:
    # The listings stay for the conversations about them, but leave the board.
    listings_withdraw_all(author=user)
