"""Reads for invalidating suspicious signatures (`services.invalidation`): which counted guest
signatures a host's criteria select, a preview of them, and the pledge's past batches."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.campaigns import permissions
from essaim.campaigns.models import GuestAction, Pledge, Signature, SignatureInvalidation
from essaim.campaigns.selectors.guest import guests_unnamed_to_hosts

# How many of a selection the preview shows.
SAMPLE_SIZE = 5


@dataclass(frozen=True)
class Criteria:
    """What a batch of suspicious signatures is selected by (see `services.invalidation`):
    the signer's e-mail domain (and its subdomains), when the signature was counted
    ([signed_from, signed_until)), the network it came from (as `GuestAction.network`
    keeps it). Blank ones select on nothing."""

    email_domain: str = ""
    signed_from: datetime | None = None
    signed_until: datetime | None = None
    network: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.email_domain or self.signed_from or self.signed_until or self.network)


def invalidation_selection(pledge: Pledge, criteria: Criteria) -> QuerySet[Signature]:
    """The pledge's counted signatures given through the guest form (confirmed, with the
    network it kept) that `criteria` select, whoever the address turned out to be. Signatures
    given with the logged-in button are never selected: their accounts answer to moderation
    (warn, suspend, ban) and they carry no network, so a time window alone would sweep
    genuine supporters with the suspects."""
    guests = GuestAction.objects.filter(
        kind=GuestAction.Kind.SIGN, pledge=pledge, confirmed_at__isnull=False
    )
    if criteria.email_domain:
        guests = guests.filter(
            Q(user__email__iendswith=f"@{criteria.email_domain}")
            | Q(user__email__iendswith=f".{criteria.email_domain}")
        )
    if criteria.network:
        guests = guests.filter(network=criteria.network)
    selected = Signature.objects.filter(
        pledge=pledge, invalidation__isnull=True, user_id__in=guests.values("user_id")
    )
    if criteria.signed_from:
        selected = selected.filter(created_at__gte=criteria.signed_from)
    if criteria.signed_until:
        selected = selected.filter(created_at__lt=criteria.signed_until)
    return selected


@dataclass(frozen=True)
class Sampled:
    name: str
    email: str
    network: str
    signed_at: datetime


def masked_email(email: str) -> str:
    """The domain alone: what a host selects by, without the person."""
    return f"•••@{email.rpartition('@')[2]}"


def invalidation_preview(
    pledge: Pledge, criteria: Criteria, viewer: User
) -> tuple[int, list[Sampled]]:
    """How many signatures `criteria` select now, and the latest few; for whoever may not read
    a guest's address (`permissions.can_read_guest_emails`: the hosts), the e-mails masked and
    the guests who did not agree to hear from the hosts unnamed, as in their figures."""
    selected = invalidation_selection(pledge, criteria)
    clear = permissions.can_read_guest_emails(viewer)
    latest = list(
        selected.select_related("user")
        .only("created_at", "user__display_name", "user__email")
        .order_by("-created_at", "-pk")[:SAMPLE_SIZE]
    )
    networks = dict(
        GuestAction.objects.filter(
            kind=GuestAction.Kind.SIGN, pledge=pledge, user_id__in=[each.user_id for each in latest]
        ).values_list("user_id", "network")
    )
    unnamed = (
        set()
        if clear
        else guests_unnamed_to_hosts(pledge.campaign, [each.user_id for each in latest])
    )
    sample = [
        Sampled(
            name=_("A supporter without an account")
            if each.user_id in unnamed
            else each.user.display_name,
            email=each.user.email if clear else masked_email(each.user.email),
            network=networks.get(each.user_id, ""),
            signed_at=each.created_at,
        )
        for each in latest
    ]
    return selected.count(), sample


def invalidations_of(pledge: Pledge) -> QuerySet[SignatureInvalidation]:
    """The pledge's batches, latest first."""
    return (
        SignatureInvalidation.objects.filter(pledge=pledge)
        .select_related("actor", "restored_by")
        .order_by("-created_at", "-pk")
    )
