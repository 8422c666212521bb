"""What a visitor without an account did in this browser, remembered in a signed cookie, so
the campaign's page shows them their pending or counted action and their share link instead
of the empty form again.

The cookie holds only row ids (each action's and its person's), signed with the site's key and
this salt: another browser has none, and a forged or altered one reads as empty. A visitor
carrying it is served a page of their own (`core.pagecache.personal_cookie`), never the page
the anonymous crowd shares, and the page rendered for them is never shared either."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from essaim.campaigns.models import GuestAction

COOKIE = "essaim_guest"
SALT = "essaim.campaigns.guest-cookie"
# The latest actions are enough: a browser is rarely one person's for more.
KEPT = 20


def _max_age() -> int:
    # As long as the link in the guest's e-mails: what they gave stays theirs to find.
    return settings.CAMPAIGNS_GUEST_DATA_LINK_DAYS * 24 * 3600


def remembered(request: HttpRequest) -> list[tuple[int, int]]:
    """The (action id, person id) pairs this browser's cookie names, newest first; none when
    it has no cookie, or one that is forged, altered or expired."""
    value = request.get_signed_cookie(COOKIE, default="", salt=SALT, max_age=_max_age())
    pairs = []
    for item in str(value).split("."):
        action, _sep, person = item.partition("-")
        if action.isdigit() and person.isdigit():
            pairs.append((int(action), int(person)))
    return pairs[:KEPT]


def remember(request: HttpRequest, response: HttpResponse, action: GuestAction) -> None:
    """Add `action` to what this browser remembers (on the answer to the guest's post)."""
    pairs = [(action.pk, action.user_id)]
    pairs += [pair for pair in remembered(request) if pair[0] != action.pk]
    response.set_signed_cookie(
        COOKIE,
        ".".join(f"{pk}-{user_id}" for pk, user_id in pairs[:KEPT]),
        salt=SALT,
        max_age=_max_age(),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
