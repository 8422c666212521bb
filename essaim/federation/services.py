"""Admins' writes on the federation: blocking and unblocking a server."""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.core import outbox
from essaim.core.errors import PermissionDenied, ValidationError
from essaim.federation import delivery
from essaim.federation.models import DomainBlock, Follower

DOMAIN = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def normalise_domain(domain: str) -> str:
    value = domain.strip().lower().rstrip(".")
    if value.startswith(("http://", "https://")):
        value = value.split("://", 1)[1].split("/", 1)[0]
    return value.split(":", 1)[0]


@transaction.atomic
def domain_block(*, actor: User, domain: str, reason: str = "") -> DomainBlock:
    """Stop talking to `domain` and its subdomains: its followers are removed, its deliveries
    waiting are cancelled, and what it sends is refused. Blocking twice keeps one block."""
    if not (actor.is_active and actor.is_staff):
        raise PermissionDenied(_("Only the instance's admins can block a server."))
    value = normalise_domain(domain)
    if not DOMAIN.fullmatch(value):
        raise ValidationError(_("Give a server's domain name, such as example.org."))
    block, _created = DomainBlock.objects.update_or_create(
        domain=value, defaults={"reason": reason[:300], "created_by": actor}
    )
    Follower.objects.filter(actor__domain=value).delete()
    Follower.objects.filter(actor__domain__endswith="." + value).delete()
    waiting = delivery.deliveries().filter(state=outbox.State.PENDING)
    for message in waiting.only("pk", "payload"):
        inbox = str(message.payload.get("inbox", ""))
        host = inbox.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
        if host == value or host.endswith("." + value):
            outbox.cancel(waiting.filter(pk=message.pk), reason="the server is blocked")
    return block


def domain_unblock(*, actor: User, domain: str) -> None:
    if not (actor.is_active and actor.is_staff):
        raise PermissionDenied(_("Only the instance's admins can block a server."))
    DomainBlock.objects.filter(domain=normalise_domain(domain)).delete()
