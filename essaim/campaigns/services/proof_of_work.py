"""An optional proof of work on the forms a visitor without an account sends: a puzzle the
visitor's browser solves while they type, costly for a machine sending thousands of forms and
free for a person sending one. Nothing calls out: no third-party CAPTCHA.

The server issues a challenge (`challenge_issue`): a random salt, the difficulty and the form
it is for, bound to the campaign and signed with the instance's key (a timestamp comes with
the signature). The answer is a nonce such that SHA-256(challenge + nonce) starts with
`bits` zero bits (`proof_verify`). A challenge is spent once: its salt is recorded in the
cache until it expires, so a solved puzzle sent again is refused.

Off by default; `CAMPAIGNS_GUEST_PROOF_OF_WORK` turns it on for every campaign, the admin's
`Campaign.guest_proof_of_work` for one, and its difficulty is `CAMPAIGNS_GUEST_PROOF_BITS`
(each bit doubles the visitor's work)."""

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

from essaim.campaigns.models import Campaign
from essaim.core.errors import ValidationError

logger = logging.getLogger(__name__)

SALT = "essaim.campaigns.proof-of-work"
SPENT_KEY = "proof-of-work:spent:{salt}"
# The forms that ask for it; a challenge solved for one is refused by another.
FORMS = frozenset({"guest-sign"})
# A nonce is a counter written in decimal: no solution needs more digits than this.
NONCE_MAX_LENGTH = 20


@dataclass(frozen=True)
class Challenge:
    token: str
    bits: int
    seconds: int


def proof_required(campaign: Campaign) -> bool:
    return bool(settings.CAMPAIGNS_GUEST_PROOF_OF_WORK) or campaign.guest_proof_of_work


def challenge_issue(*, campaign: Campaign, form: str) -> Challenge:
    if form not in FORMS:
        raise ValueError(form)
    bits = int(settings.CAMPAIGNS_GUEST_PROOF_BITS)
    token = signing.dumps(
        {"c": campaign.pk, "f": form, "s": secrets.token_urlsafe(12), "b": bits}, salt=SALT
    )
    return Challenge(token=token, bits=bits, seconds=int(settings.CAMPAIGNS_GUEST_PROOF_SECONDS))


def leading_zero_bits(digest: bytes) -> int:
    zeros = 0
    for byte in digest:
        if byte:
            return zeros + 8 - byte.bit_length()
        zeros += 8
    return zeros


def proof_verify(*, campaign: Campaign, form: str, token: str, nonce: str) -> None:
    """Raises ValidationError, changing nothing, unless `nonce` solves a challenge issued for
    this campaign's `form`, still fresh, as hard as the instance asks now, and never spent;
    then spends it."""
    if not token or not nonce:
        raise ValidationError(
            _(
                "Your browser has not finished its anti-robot check: this form needs "
                "JavaScript. Turn it on, wait a moment and send the form again."
            )
        )
    max_age = int(settings.CAMPAIGNS_GUEST_PROOF_SECONDS)
    try:
        challenge = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise ValidationError(
            _("The anti-robot check of this form has expired: send the form again.")
        ) from error
    except signing.BadSignature as error:
        raise ValidationError(
            _("The anti-robot check failed: reload the page and try again.")
        ) from error
    if (
        not isinstance(challenge, dict)
        or challenge.get("c") != campaign.pk
        or challenge.get("f") != form
        or not isinstance(challenge.get("s"), str)
        or not isinstance(challenge.get("b"), int)
    ):
        raise ValidationError(_("The anti-robot check failed: reload the page and try again."))
    # A challenge issued before the instance raised the difficulty is too easy now.
    if challenge["b"] < int(settings.CAMPAIGNS_GUEST_PROOF_BITS):
        raise ValidationError(
            _("The anti-robot check of this form has expired: send the form again.")
        )
    if (
        len(nonce) > NONCE_MAX_LENGTH
        or not nonce.isascii()
        or not nonce.isdigit()
        or leading_zero_bits(hashlib.sha256((token + nonce).encode()).digest()) < challenge["b"]
    ):
        raise ValidationError(_("The anti-robot check failed: reload the page and try again."))
    _spend(challenge["s"], max_age)


def _spend(salt: str, max_age: int) -> None:
    key = SPENT_KEY.format(salt=salt)
    # Kept a little longer than the challenge lives, so it expires before its record does.
    if cache.add(key, 1, max_age + 60):
        return
    # Not added: spent already, or the cache is unreachable (core.cache's fail-soft Redis
    # answers False then). A cache that cannot say must not refuse every visitor: the work
    # was done, only its replay goes unchecked until the cache is back.
    if cache.get(key) is not None:
        raise ValidationError(
            _("This form was already sent with this anti-robot check: send it again.")
        )
    logger.warning("proof of work not recorded as spent", extra={"salt": salt})
