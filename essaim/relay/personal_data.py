"""What the relay holds about a person. On deletion nothing is erased here: the account is
anonymised, its links stop counting (see `link_usable`), and the campaign's totals stay exact."""

from typing import Any

from essaim.accounts.models import User
from essaim.relay.models import ShareLink, Supporter


def export(user: User) -> dict[str, Any]:
    return {
        "share_links": [
            {
                "campaign": link.campaign.title,
                "code": link.code,
                "created_at": link.created_at.isoformat(),
            }
            for link in ShareLink.objects.filter(owner=user).select_related("campaign")
        ],
        "participations": [
            {
                "campaign": supporter.campaign.title,
                "action": supporter.action,
                "source": supporter.source,
                "brought_by": supporter.referrer.display_name if supporter.referrer else None,
                "at": supporter.created_at.isoformat(),
            }
            for supporter in Supporter.objects.filter(user=user).select_related(
                "campaign", "referrer"
            )
        ],
    }
