"""What a guest gave, in their own hands: every e-mail sent to a guest carries a signed link
(`guest_email` puts it there) to a page where they see what they gave, download it and
delete it.

The link names the person and the address it was sent to (a keyed digest of it, not the
address itself: a link is seen by every server on the way), signed with the site's key and
its own salt, and expires after `CAMPAIGNS_GUEST_DATA_LINK_DAYS`. Whoever holds it holds the
mailbox it was sent to, which is all a guest has to prove who they are.

Exporting reuses the account export (`accounts.services.user_export`, every domain's section
of the personal data registry); deleting is the account deletion (`user_delete`: every
action withdrawn through its domain's own erase, the person anonymised). A person with an
account (an address that belonged to one, or a guest who has since chosen a password) manages
their data from their account instead: the link then only says so."""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.accounts.services import user_delete, user_export
from essaim.core.errors import NotFound, PermissionDenied, ValidationError
from essaim.core.site import absolute_url, site_hostname

logger = logging.getLogger(__name__)

DATA_SALT = "essaim.campaigns.guest-data"


def link_lifetime() -> timedelta:
    return timedelta(days=settings.CAMPAIGNS_GUEST_DATA_LINK_DAYS)


def _address_digest(user: User) -> str:
    # Keyed, so the link tells no one the address; of the canonical form, so an alias typed
    # later is the same person.
    return salted_hmac(DATA_SALT, user.email_canonical or user.email).hexdigest()[:20]


def data_token(user: User) -> str:
    """The signed part of a guest's data link: who, and at which address."""
    return signing.dumps([user.pk, _address_digest(user)], salt=DATA_SALT, compress=True)


def data_url(user: User) -> str:
    return absolute_url(reverse("campaigns:guest_data", kwargs={"token": data_token(user)}))


def data_link_context(person: User) -> dict[str, Any]:
    """What an e-mail's template needs to show the link (`campaigns/email/_guest_footer.txt`):
    the campaigns' guest e-mails and the notifications a guest receives use it alike."""
    return {
        "data_url": data_url(person),
        "data_days": settings.CAMPAIGNS_GUEST_DATA_LINK_DAYS,
    }


def person_for_data_token(token: str) -> User:
    """The person a data link names, if the link is intact, not expired and still theirs;
    else a clear error (400 for a broken or expired link, 404 when they were deleted, 403
    when the person no longer has the address the link was sent to)."""
    try:
        pk, digest = signing.loads(token, salt=DATA_SALT, max_age=link_lifetime())
        pk, digest = int(pk), str(digest)
    except signing.SignatureExpired as error:
        raise ValidationError(
            _(
                "This link has expired. Every e-mail we send you carries a fresh one; you can "
                "also create an account with the same address to see, download or delete "
                "what you gave."
            )
        ) from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise ValidationError(
            _("This link is not valid: open it exactly as it came in the e-mail.")
        ) from error
    person = User.objects.filter(pk=pk).first()
    if person is None or person.deleted_at is not None:
        raise NotFound(_("Nothing is kept for this link any more: what it showed is deleted."))
    if not constant_time_compare(digest, _address_digest(person)):
        raise PermissionDenied(_("This link was sent to another address: it shows nothing."))
    return person


def manages_by_link(person: User) -> bool:
    """Whether the link may export and delete: a guest's only. An account is managed from the
    account (logged in), where deleting asks for its password."""
    return person.is_guest and not person.has_usable_password()


def _require_guest(person: User) -> None:
    if not manages_by_link(person):
        raise PermissionDenied(
            _(
                "This address has an account: log in to see, download or delete your data "
                "from your settings."
            )
        )


def guest_data_export(*, person: User) -> dict[str, Any]:
    """Everything kept about the guest: the account export, with every domain's section."""
    _require_guest(person)
    return user_export(person)


def guest_data_erase(*, person: User) -> bool:
    """Delete what the guest gave: every action withdrawn by its domain (a signature out of
    its count, an RSVP's place to the waiting list) and the person anonymised, as a deleted
    account is. True when this call deleted; False when it was deleted already (a repeated
    or simultaneous post: the row lock makes it one deletion)."""
    _require_guest(person)
    with transaction.atomic():
        locked = (
            User.objects.select_for_update()
            .filter(pk=person.pk, deleted_at__isnull=True, is_guest=True)
            .first()
        )
        if locked is None:
            return False
        user_delete(user=locked)
    logger.info("guest data deleted", extra={"user_id": person.pk})
    return True


def guest_email(
    *,
    person: User,
    subject: Promise,
    template: str,
    context: dict[str, Any],
    message_id: str,
) -> EmailMessage:
    """An e-mail to a guest, in their language, with the link to what they gave: every guest
    e-mail is built here, so none goes without it. `subject` is lazy (`gettext_lazy`), so it is
    translated here, its `%(...)s` filled from `context`; `template` includes
    "campaigns/email/_guest_footer.txt"; `message_id` is the part before "@"."""
    with translation.override(person.language):
        full = {
            "name": person.display_name,
            "site_name": settings.SITE_NAME,
            **data_link_context(person),
            **context,
        }
        title = str(subject) % full
        body = render_to_string(template, full)
    return EmailMessage(
        subject=" ".join(title.split()),
        body=body,
        to=[person.email],
        headers={
            "Auto-Submitted": "auto-generated",
            "Message-ID": f"<{message_id}@{site_hostname()}>",
        },
    )
