"""Gifts through the payment provider, and in-kind pledges from partners (recorded by a host)
or supporters (offered themselves: `in_kind_offer`)."""

import uuid

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.accounts.services import require_good_standing
from essaim.campaigns import permissions
from essaim.campaigns.attribution import credited_host_id
from essaim.campaigns.events import ACTED, GIFT_SUCCEEDED
from essaim.campaigns.models import Campaign, Donation, Fundraiser, InKindPledge
from essaim.campaigns.payments import PaymentError, PaymentProvider, provider
from essaim.campaigns.services.campaigns import require_host
from essaim.core.errors import NotFound, ValidationError

MAX_DONATION = 1_000_000_00  # one million, in minor units
# The in-kind form's bounds (`forms.InKindForm`), so that a service caller has them too.
MAX_IN_KIND_QUANTITY = 10_000_000
MAX_IN_KIND_VALUE = 10_000_000_00


class IdempotencyKeyReused(ValidationError):
    """The idempotency key already names another gift: someone else's or another
    fundraiser's (`same_person` False), or one's own of another amount or anonymity. A
    ValidationError, so that a form shows it as its own error; a conflict (409) for the page
    and the API alike, which words it for scripts."""

    status_code = 409

    def __init__(self, message: str, *, same_person: bool) -> None:
        super().__init__(message)
        self.same_person = same_person


def require_open_to(user: User | AnonymousUser, campaign: Campaign) -> None:
    """A gift or an offer is taken only where the person sees the campaign and it is open."""
    if not permissions.can_view(user, campaign):
        raise NotFound(_("This campaign does not exist."))
    if not permissions.can_act(campaign):
        raise ValidationError(_("This campaign is not open for action."))


def donation_require_valid(amount: int) -> None:
    """The bounds of an online gift (minor units)."""
    if amount <= 0:
        raise ValidationError(_("A gift must be a positive amount."))
    if amount > MAX_DONATION:
        raise ValidationError(_("This amount is too large for an online gift."))


def donation_give(
    *,
    user: User,
    fundraiser: Fundraiser,
    amount: int,
    idempotency_key: uuid.UUID,
    anonymous: bool = False,
    via: str = "",
    payments: PaymentProvider | None = None,
) -> Donation:
    """Give `amount` (minor units). One idempotency key is one donation, however many times
    and however concurrently it is submitted: the key is unique, the provider is asked with
    the same key, and a repeat with the same terms returns the first donation as it stands. A
    repeat with another amount or anonymity is refused (IdempotencyKeyReused), whatever the
    door: a replayed form or a script that reuses a key must not be told "thank you" for a
    gift it did not make."""
    require_good_standing(user)
    campaign = fundraiser.campaign
    require_open_to(user, campaign)
    donation_require_valid(amount)
    payments = payments or provider()
    host_id = credited_host_id(campaign_id=campaign.pk, via=via)
    try:
        with transaction.atomic():
            donation, created = Donation.objects.get_or_create(
                idempotency_key=idempotency_key,
                defaults={
                    "fundraiser": fundraiser,
                    "user": user,
                    "amount": amount,
                    "currency": fundraiser.currency,
                    "anonymous": anonymous,
                    "donor_name": "" if anonymous else user.display_name,
                    "provider": payments.name,
                    "host_id": host_id,
                    # As it came, as a signature's: relay resolves it once the gift succeeds.
                    "via": via[:16],
                },
            )
    except IntegrityError:
        donation, created = Donation.objects.get(idempotency_key=idempotency_key), False
    if donation.user_id != user.pk or donation.fundraiser_id != fundraiser.pk:
        raise IdempotencyKeyReused(
            _("This form was already used; reload the page."), same_person=False
        )
    if (donation.amount, donation.anonymous) != (amount, anonymous):
        raise IdempotencyKeyReused(
            _(
                "This form was already used for a gift of another amount or anonymity; "
                "reload the page to give again."
            ),
            same_person=True,
        )
    if not created or donation.status != Donation.Status.PENDING:
        return donation
    try:
        intent = payments.create_intent(
            amount=amount,
            currency=fundraiser.currency,
            idempotency_key=str(idempotency_key),
            description=campaign.title,
        )
        intent = payments.confirm(reference=intent.reference)
    except PaymentError as error:
        Donation.objects.filter(pk=donation.pk).update(status=Donation.Status.FAILED)
        raise ValidationError(_("The payment did not go through; nothing was charged.")) from error
    return donation_settle(reference=intent.reference, status=intent.status, donation=donation)


def donation_settle(*, reference: str, status: str, donation: Donation | None = None) -> Donation:
    """Apply what the provider says (on confirmation or from its webhook). Only forward moves:
    pending → succeeded/failed, succeeded → refunded; a late or repeated report changes
    nothing."""
    allowed: dict[str, list[str]] = {
        Donation.Status.SUCCEEDED: [Donation.Status.PENDING],
        Donation.Status.FAILED: [Donation.Status.PENDING],
        Donation.Status.REFUNDED: [Donation.Status.SUCCEEDED],
    }
    if status not in allowed:
        if donation is None:
            raise ValidationError(_("Unknown payment status."))
        return donation
    with transaction.atomic():
        query = Donation.objects.select_for_update()
        current = (
            query.get(pk=donation.pk)
            if donation is not None
            else query.filter(provider_reference=reference).first()
        )
        if current is None:
            raise NotFound(_("Unknown payment."))
        if current.status in allowed[status]:
            current.status = status
            current.provider_reference = reference
            current.save(update_fields=["status", "provider_reference", "updated_at"])
            if status == Donation.Status.SUCCEEDED and current.user is not None:
                ACTED.publish(
                    campaign_id=current.fundraiser.campaign_id,
                    user_id=current.user_id,
                    action="give",
                    via=current.via,
                    at=timezone.now().isoformat(),
                )
            if status == Donation.Status.SUCCEEDED:
                GIFT_SUCCEEDED.publish(
                    donation_id=current.pk, campaign_id=current.fundraiser.campaign_id
                )
    return current


def donation_refund(
    *, actor: User, donation: Donation, payments: PaymentProvider | None = None
) -> Donation:
    """A host gives a gift back (a mistake, a cancelled campaign): the provider refunds it,
    then the ledger no longer counts it. Refunding twice refunds once."""
    require_host(actor, donation.fundraiser.campaign)
    if donation.status == Donation.Status.REFUNDED:
        return donation
    if donation.status != Donation.Status.SUCCEEDED:
        raise ValidationError(_("Only a received gift can be refunded."))
    payments = payments or provider(donation.provider)
    try:
        payments.refund(reference=donation.provider_reference, amount=donation.amount)
    except PaymentError as error:
        raise ValidationError(_("The refund did not go through.")) from error
    return donation_settle(
        reference=donation.provider_reference, status=Donation.Status.REFUNDED, donation=donation
    )


def in_kind_create(
    *,
    actor: User,
    fundraiser: Fundraiser,
    partner: str,
    item: str,
    quantity: int,
    unit: str,
    declared_value: int,
) -> InKindPledge:
    """A host records goods a partner promises."""
    require_host(actor, fundraiser.campaign)
    return _in_kind_record(
        fundraiser=fundraiser,
        partner=partner,
        item=item,
        quantity=quantity,
        unit=unit,
        declared_value=declared_value,
    )


def in_kind_offer(
    *,
    user: User,
    fundraiser: Fundraiser,
    item: str,
    quantity: int,
    unit: str,
    declared_value: int,
) -> InKindPledge:
    """A supporter offers goods themselves, under their own name, while the campaign is open
    (a guest's, once their address confirmed it: `services.guest`). Promised, it counts
    nothing: a host marks it delivered (`in_kind_deliver`), as any partner's."""
    require_good_standing(user)
    require_open_to(user, fundraiser.campaign)
    return _in_kind_record(
        fundraiser=fundraiser,
        offered_by=user,
        partner=user.display_name,
        item=item,
        quantity=quantity,
        unit=unit,
        declared_value=declared_value,
    )


def in_kind_require_valid(*, item: str, quantity: int, declared_value: int) -> None:
    """The rules of an in-kind pledge's terms (checked again when it is recorded), for a form
    that records it later (a guest's, after their confirmation)."""
    if quantity <= 0 or declared_value < 0:
        raise ValidationError(_("Quantity and value must be positive."))
    if quantity > MAX_IN_KIND_QUANTITY or declared_value > MAX_IN_KIND_VALUE:
        raise ValidationError(_("This pledge is too large: write to the hosts."))
    if not item.strip():
        raise ValidationError(_("Say who gives what."))


def _in_kind_record(
    *,
    fundraiser: Fundraiser,
    offered_by: User | None = None,
    partner: str,
    item: str,
    quantity: int,
    unit: str,
    declared_value: int,
) -> InKindPledge:
    in_kind_require_valid(item=item, quantity=quantity, declared_value=declared_value)
    if not partner.strip():
        raise ValidationError(_("Say who gives what."))
    return InKindPledge.objects.create(
        fundraiser=fundraiser,
        offered_by=offered_by,
        partner=partner.strip()[:120],
        item=item.strip()[:120],
        quantity=quantity,
        unit=unit.strip()[:20],
        declared_value=declared_value,
    )


def in_kind_deliver(*, actor: User, pledge: InKindPledge) -> InKindPledge:
    """Delivered goods count toward the goal at their declared value; once."""
    require_host(actor, pledge.fundraiser.campaign)
    if pledge.status == InKindPledge.Status.CANCELLED:
        raise ValidationError(_("This pledge was cancelled."))
    InKindPledge.objects.filter(pk=pledge.pk, status=InKindPledge.Status.PROMISED).update(
        status=InKindPledge.Status.DELIVERED, delivered_at=timezone.now()
    )
    pledge.refresh_from_db()
    return pledge


def fundraiser_setup(
    *, actor: User, campaign: Campaign, goal_amount: int, currency: str = "EUR"
) -> Fundraiser:
    require_host(actor, campaign)
    if goal_amount <= 0:
        raise ValidationError(_("A goal must be a positive amount."))
    existing = Fundraiser.objects.filter(campaign=campaign).first()
    if existing is not None and existing.currency != currency and existing.donations.exists():
        raise ValidationError(
            _("Gifts were made in %(currency)s: the currency stays.")
            % {"currency": existing.currency}
        )
    fundraiser, _created = Fundraiser.objects.update_or_create(
        campaign=campaign, defaults={"goal_amount": goal_amount, "currency": currency}
    )
    return fundraiser
