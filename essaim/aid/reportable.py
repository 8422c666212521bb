"""Mutual-aid listings, as moderation sees them: reportable by whoever may see them; a
community's listings handled by its moderators, instance-wide ones by the admins."""

from django.utils.translation import gettext_lazy as _

from essaim.accounts.models import User
from essaim.aid.models import AidListing
from essaim.aid.selectors import listings_visible_to
from essaim.core.reportable import Reportable, disputed_note_set, moderation_set


def _find(pk: int, viewer: User) -> AidListing | None:
    return listings_visible_to(viewer).select_related("author", "community").filter(pk=pk).first()


LISTING = Reportable(
    kind="listing",
    model=AidListing,
    label=_("listing"),
    description=_("a listing by %(name)s"),
    find=_find,
    author=lambda listing: listing.author,
    preview=lambda listing: "\n".join(part for part in (listing.title, listing.body) if part)[
        :1000
    ],
    url=lambda listing: listing.get_absolute_url(),
    community_id=lambda listing: listing.community_id,
    set_state=moderation_set,
    set_disputed=disputed_note_set,
)
