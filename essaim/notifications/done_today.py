"""The "Done today" button of a challenge prompt's push: it checks the person in without a
page to open, so it carries its own authority, a signed token naming the person, the
challenge and the day.

It works on that day only (a token kept and replayed the next day is refused: it would check
in for a day the person did not answer), and any number of presses make one check-in (the
check-in's unique (participant, date) constraint, through campaigns' `check_in`)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.campaigns.models import Challenge, CheckIn
from essaim.campaigns.services.challenge import check_in
from essaim.core.errors import NotFound, ValidationError
from essaim.notifications.models import Notification

SALT = "essaim.notifications.done-today"
# Longer than any day, so a token read just after midnight still says "another day" rather
# than "invalid".
MAX_AGE = timedelta(days=3)


@dataclass(frozen=True)
class Answer:
    title: str
    detail: str
    created: bool


def token_for(notification: Notification) -> str | None:
    """The token of a challenge prompt, or None for any other notification."""
    params = notification.params_dict
    if notification.kind != Notification.Kind.CHALLENGE_PROMPT:
        return None
    challenge_id, day = params.get("challenge"), params.get("day")
    if not isinstance(challenge_id, int) or not isinstance(day, str):
        return None
    return signing.dumps({"u": notification.user_id, "c": challenge_id, "d": day}, salt=SALT)


def done_today(token: str) -> Answer:
    """Check in the token's person for the token's day, if that day is today. Raises
    NotFound for a token this instance did not sign (or whose person or challenge is gone),
    ValidationError for another day or a check-in the challenge refuses."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
        user_id, challenge_id, day = int(data["u"]), int(data["c"]), date.fromisoformat(data["d"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise NotFound(_("This button is not valid any more.")) from error
    if day != timezone.localdate():
        raise ValidationError(_("This button was for another day: open the challenge instead."))
    user = User.objects.filter(pk=user_id, is_active=True).first()
    challenge = Challenge.objects.select_related("campaign").filter(pk=challenge_id).first()
    if user is None or challenge is None:
        raise NotFound(_("This button is not valid any more."))
    already = CheckIn.objects.filter(
        participant__challenge=challenge, participant__user=user, date=day
    ).exists()
    check_in(user=user, challenge=challenge, day=day)
    title = challenge.campaign.title
    if already:
        return Answer(title=title, detail=_("You had already checked in today."), created=False)
    return Answer(title=title, detail=_("Checked in for today: well done!"), created=True)
