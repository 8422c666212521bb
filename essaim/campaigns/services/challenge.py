"""Joining a challenge and checking in once a day."""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.accounts.services import require_good_standing
from essaim.campaigns import permissions
from essaim.campaigns.models import (
    Campaign,
    Challenge,
    ChallengeDay,
    CheckIn,
    Participant,
)
from essaim.campaigns.services.campaigns import require_host
from essaim.campaigns.services.settle import participants_settle
from essaim.core.dates import check_plausible_date
from essaim.core.errors import NotFound, ValidationError
from essaim.core.writes import insert_or_get


def _require_live(user: User, challenge: Challenge) -> None:
    require_good_standing(user)
    if not permissions.can_view(user, challenge.campaign):
        raise NotFound(_("This campaign does not exist."))
    if not permissions.can_act(challenge.campaign):
        raise ValidationError(_("This campaign is not open for action."))


def join_require_open(user: User, challenge: Challenge) -> None:
    """Whether `user` may join `challenge` now (a guest's join is checked by it when given,
    before its confirmation calls `challenge_join`)."""
    _require_live(user, challenge)
    if timezone.localdate() > challenge.ends_on:
        raise ValidationError(_("This challenge is over."))


def challenge_join(*, user: User, challenge: Challenge, via: str = "") -> Participant:
    """Join once (the unique (challenge, user) constraint makes a double click one join);
    `via` is the share link code the person came through ("" if none), kept as it came.
    As a signature, the request writes only the row: the supporter, the co-host's credit and
    the milestones follow in the settle (`settle.participants_settle`), at once when
    `CAMPAIGNS_SETTLE_INLINE` is on."""
    join_require_open(user, challenge)
    participant, created = insert_or_get(
        Participant(challenge=challenge, user=user, via=via[:16]), unique=["challenge", "user"]
    )
    if created and settings.CAMPAIGNS_SETTLE_INLINE:
        participants_settle(ids=[participant.pk])
    return participant


def check_in(*, user: User, challenge: Challenge, day: date | None = None) -> CheckIn:
    """One check-in per person and day: today, or yesterday for a late one, inside the
    window. The unique (participant, date) constraint makes a double send one check-in."""
    _require_live(user, challenge)
    today = timezone.localdate()
    day = day or today
    if day not in (today, today - timedelta(days=1)):
        raise ValidationError(_("You can check in for today, or late for yesterday only."))
    if not challenge.starts_on <= day <= challenge.ends_on:
        raise ValidationError(_("This day is outside the challenge."))
    participant = Participant.objects.filter(challenge=challenge, user=user).first()
    if participant is None:
        raise ValidationError(_("Join the challenge first."))
    check, _created = CheckIn.objects.get_or_create(participant=participant, date=day)
    return check


def challenge_setup(
    *, actor: User, campaign: Campaign, starts_on: date, ends_on: date
) -> Challenge:
    require_host(actor, campaign)
    check_plausible_date(starts_on)
    check_plausible_date(ends_on)
    if ends_on < starts_on:
        raise ValidationError(_("The challenge cannot end before it starts."))
    existing = Challenge.objects.filter(campaign=campaign).first()
    # Check-ins already made must stay inside the window.
    if (
        existing is not None
        and CheckIn.objects.filter(
            Q(date__lt=starts_on) | Q(date__gt=ends_on), participant__challenge=existing
        ).exists()
    ):
        raise ValidationError(_("People have checked in outside these days."))
    the_challenge, _created = Challenge.objects.update_or_create(
        campaign=campaign, defaults={"starts_on": starts_on, "ends_on": ends_on}
    )
    return the_challenge


def challenge_day_set(
    *, actor: User, challenge: Challenge, day: date, prompt: str, tip: str = ""
) -> ChallengeDay:
    require_host(actor, challenge.campaign)
    if not challenge.starts_on <= day <= challenge.ends_on:
        raise ValidationError(_("This day is outside the challenge."))
    if not prompt.strip():
        raise ValidationError(_("Say what to do that day."))
    the_day, _created = ChallengeDay.objects.update_or_create(
        challenge=challenge, date=day, defaults={"prompt": prompt.strip(), "tip": tip.strip()}
    )
    return the_day
