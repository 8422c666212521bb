"""The buttons of the waiting list's "a place freed up" push: "I'm coming" and "I can't come".

Promotion already gives the place (campaigns' `_promote`, under the event's lock): whoever
joined a waiting list said they would come, and a push may be held by quiet hours, the
daily cap or a phone that is off, so a place is never taken back for a button left
unpressed. What the push adds is a quick way out: "I can't come" gives the place back
through campaigns' `rsvp_cancel`, which hands it to the next person waiting at once (who is
told in turn). "I'm coming" changes nothing and says so; it spares a person who is coming
the doubt about whether they must do something.

Like "Done today" (done_today), the buttons work without a page or a session: a signed token
names the person, their answer and its place in the queue. It acts on that answer only (one
given again after a cancellation has a new position), any number of presses give the place
back once, and it stops working when the event starts."""

from datetime import timedelta

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.campaigns.models import Rsvp
from essaim.campaigns.services.events import rsvp_cancel
from essaim.core.errors import NotFound, ValidationError
from essaim.notifications.done_today import Answer
from essaim.notifications.models import Notification

SALT = "essaim.notifications.place-freed"
# A bound on what a leaked token could still do; the event's start ends it sooner.
MAX_AGE = timedelta(days=366)

KEEP, RELEASE = "keep", "release"


def token_for(notification: Notification) -> str | None:
    """The token of a freed place's notice, or None for any other notification (and for
    notices written before they named the answer)."""
    params = notification.params_dict
    if notification.kind != Notification.Kind.EVENT_PROMOTED:
        return None
    rsvp_id, position = params.get("rsvp"), params.get("position")
    if not isinstance(rsvp_id, int) or not isinstance(position, int):
        return None
    return signing.dumps({"u": notification.user_id, "r": rsvp_id, "p": position}, salt=SALT)


def _answer_of(token: str) -> tuple[Rsvp, int]:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
        user_id, rsvp_id, position = int(data["u"]), int(data["r"]), int(data["p"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise NotFound(_("This button is not valid any more.")) from error
    rsvp = (
        Rsvp.objects.select_related("event", "user")
        .filter(pk=rsvp_id, user_id=user_id, user__is_active=True)
        .first()
    )
    if rsvp is None:
        raise NotFound(_("This button is not valid any more."))
    if rsvp.event.starts_at <= timezone.now():
        raise ValidationError(_("This event has started: the button no longer works."))
    if rsvp.position != position:
        raise ValidationError(
            _("You answered again since this notification: open the event instead.")
        )
    return rsvp, position


def place_answer(token: str, choice: str) -> Answer:
    """The person's answer from the push, KEEP or RELEASE. Raises NotFound for a token this
    instance did not sign (or whose person or answer is gone), ValidationError once the event
    has started or when the person answered again since."""
    if choice not in (KEEP, RELEASE):
        raise NotFound(_("This button is not valid any more."))
    rsvp, position = _answer_of(token)
    title = rsvp.event.title
    given_back = rsvp.status == Rsvp.Status.CANCELLED
    if choice == KEEP:
        if given_back:
            raise ValidationError(_("You gave this place back: open the event to answer again."))
        return Answer(title=title, detail=_("Your place is kept: see you there!"), created=False)
    if given_back:
        return Answer(
            title=title, detail=_("You had already given your place back."), created=False
        )
    rsvp_cancel(user=rsvp.user, event=rsvp.event, position=position)
    return Answer(
        title=title,
        detail=_("Your place goes to the next person waiting. Thank you for saying so."),
        created=True,
    )
