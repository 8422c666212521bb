from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from essaim.core.models import BaseModel

# The outbox channel of every e-mail to a person who acted without an account (the
# confirmation, the personal link, a gift's receipt: `services.guest_emails` sends them).
GUEST_EMAIL_CHANNEL = "guest-email"


class GuestAction(BaseModel):
    """An action taken without an account, with a name and an e-mail (the person is a guest
    `User`, or the account the address belongs to): a pledge's signature, a challenge's join,
    an event's RSVP or goods offered to a fundraiser. Nothing is done until the address
    confirms it: the confirmation's POST then acts through the one write path of its kind
    (`pledge_sign`, `challenge_join`, `rsvp_create`, `in_kind_offer`) and marks this row
    `confirmed_at`. It stays as the record of what the person agreed to; unconfirmed, it
    expires (`services.guest.guests_expire`). Its confirmation e-mail is queued by the settle
    (`services.settle.guest_actions_settle`), which marks it `settled_at`: a spike of strangers
    writes their actions and the settle queues their e-mails by the batch."""

    class Kind(models.TextChoices):
        SIGN = "sign", _("pledge signature")
        JOIN = "join", _("challenge participation")
        RSVP = "rsvp", _("RSVP")
        GIVE = "give", _("in-kind pledge")

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="guest_actions"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SIGN)
    # The target, one per kind (the check constraint below): a foreign key each, so deleting a
    # pledge, a challenge or an event takes its pending guest actions with it.
    pledge = models.ForeignKey(
        "campaigns.Pledge",
        on_delete=models.CASCADE,
        related_name="guest_actions",
        null=True,
        blank=True,
    )
    challenge = models.ForeignKey(
        "campaigns.Challenge",
        on_delete=models.CASCADE,
        related_name="guest_actions",
        null=True,
        blank=True,
    )
    event = models.ForeignKey(
        "campaigns.Event",
        on_delete=models.CASCADE,
        related_name="guest_actions",
        null=True,
        blank=True,
    )
    fundraiser = models.ForeignKey(
        "campaigns.Fundraiser",
        on_delete=models.CASCADE,
        related_name="guest_actions",
        null=True,
        blank=True,
    )
    # What an in-kind pledge (kind give) offers, until its confirmation records it through
    # `in_kind_offer`: {item, quantity, unit, declared_value}. Empty for the other kinds.
    offer = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="guest_actions"
    )
    # The share link code the person came through, as it came: handed to the write path.
    via = models.CharField(max_length=16, blank=True)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    hear_from_hosts = models.BooleanField(_("agreed to hear from the hosts"), default=False)
    # The consent text as it was shown: the campaign's may change later.
    consent = models.TextField(_("consent given"), max_length=2000)
    # The network the action came from (an IPv4 /24, an IPv6 /48), never the address: what
    # a moderator selects a suspicious batch by.
    network = models.CharField(max_length=64, blank=True)
    # When the settle queued its confirmation e-mail in the outbox (once).
    settled_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # When the e-mail with a confirmed join's or RSVP's personal link left (once).
    link_mailed_at = models.DateTimeField(null=True, blank=True)

    # Not stored: `services.guest.guest_act` sets it on the row it returns, True when that call
    # made the row. A form's answer shows an action's own state only then: anyone may type
    # anyone's address, and what its owner did is theirs.
    made_now: bool = False
    # Not stored either: True when that call also recorded the person. They can have no share
    # link yet, so the page after acting writes theirs without a look (`relay.link_for`).
    person_new: bool = False

    class Meta:
        verbose_name = _("guest action")
        verbose_name_plural = _("guest actions")
        constraints = [
            # One person, one action of each kind on each target.
            models.UniqueConstraint(
                fields=["pledge", "user"],
                condition=Q(kind="sign"),
                name="unique_guest_signature",
            ),
            models.UniqueConstraint(
                fields=["challenge", "user"],
                condition=Q(kind="join"),
                name="unique_guest_join",
            ),
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(kind="rsvp"),
                name="unique_guest_rsvp",
            ),
            models.UniqueConstraint(
                fields=["fundraiser", "user"],
                condition=Q(kind="give"),
                name="unique_guest_in_kind",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="sign",
                        fundraiser__isnull=True,
                        pledge__isnull=False,
                        challenge__isnull=True,
                        event__isnull=True,
                    )
                    | Q(
                        kind="join",
                        fundraiser__isnull=True,
                        pledge__isnull=True,
                        challenge__isnull=False,
                        event__isnull=True,
                    )
                    | Q(
                        kind="rsvp",
                        fundraiser__isnull=True,
                        pledge__isnull=True,
                        challenge__isnull=True,
                        event__isnull=False,
                    )
                    | Q(
                        kind="give",
                        pledge__isnull=True,
                        challenge__isnull=True,
                        event__isnull=True,
                        fundraiser__isnull=False,
                    )
                ),
                name="guest_action_one_target",
            ),
        ]
        indexes = [
            # The expiry's queue: only the unconfirmed ones.
            models.Index(
                fields=["created_at"],
                condition=Q(confirmed_at__isnull=True),
                name="guest_action_pending",
            ),
            # The settle's queue: small, whatever the number of actions settled.
            models.Index(
                fields=["id"], condition=Q(settled_at__isnull=True), name="guest_action_unsettled"
            ),
        ]

    def __str__(self) -> str:
        return f"guest {self.kind} {self.pk} in campaign {self.campaign_id}"

    @property
    def target(self) -> models.Model | None:
        """The pledge, challenge or event this action is on."""
        return {
            self.Kind.SIGN: self.pledge,
            self.Kind.JOIN: self.challenge,
            self.Kind.RSVP: self.event,
            self.Kind.GIVE: self.fundraiser,
        }.get(self.Kind(self.kind))
