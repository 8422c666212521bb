"""Writes on private conversations: open (or reuse) one, send, mark as read."""

import logging
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User, UserFollow
from essaim.accounts.screening import Admission, admit, content_admitted
from essaim.accounts.trust import NEW, trust_level
from essaim.aid.models import AidListing
from essaim.communities.models import Membership
from essaim.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from essaim.messaging.models import (
    MESSAGE_BODY_MAX_LENGTH,
    Conversation,
    ConversationParticipant,
    Message,
)
from essaim.messaging.permissions import can_receive_messages

logger = logging.getLogger(__name__)


def pair_key(first: User, second: User, listing: AidListing | None = None) -> str:
    """The key that makes a two-person conversation about one listing (or none) unique."""
    low, high = sorted([first.pk, second.pk])
    return f"{low}:{high}:{listing.pk if listing is not None else 0}"


def is_stranger(sender: User, recipient: User) -> bool:
    """The recipient does not follow the sender and they share no community (following someone
    does not make one known to them)."""
    if UserFollow.objects.filter(follower=recipient, followed=sender).exists():
        return False
    mine = Membership.objects.filter(user=sender, status=Membership.Status.ACTIVE).values(
        "community_id"
    )
    return not Membership.objects.filter(
        user=recipient, status=Membership.Status.ACTIVE, community_id__in=mine
    ).exists()


def message_body_clean(body: str) -> str:
    """The body as it will be stored, or a ValidationError saying what is wrong with it."""
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("A message cannot be empty."))
    if len(body) > MESSAGE_BODY_MAX_LENGTH:
        raise ValidationError(
            _("A message can be at most %(limit)d characters long (this one has %(length)d).")
            % {"limit": MESSAGE_BODY_MAX_LENGTH, "length": len(body)}
        )
    return body


def conversation_start(
    *,
    sender: User,
    recipient: User,
    body: str,
    listing: AidListing | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> Conversation:
    """Write `body` to `recipient`, in the conversation the two already have about `listing`
    (or about nothing when `listing` is None), opening it on first contact.

    Race-safe without a lock: `Conversation.pair_key` is unique, so two concurrent first
    messages meet on one row (get_or_create re-reads it after the losing insert). A repeated
    `idempotency_key` returns the conversation of the first message and stores nothing.
    The caller decides whether `listing` is visible to `sender`; this only checks that a
    conversation about a listing includes the listing's author.
    """
    body = message_body_clean(body)
    if sender.pk == recipient.pk:
        raise ValidationError(_("You cannot send a message to yourself."))
    if not can_receive_messages(recipient):
        raise ValidationError(_("This person can no longer receive messages."))
    if listing is not None and listing.author_id not in (sender.pk, recipient.pk):
        raise ValidationError(_("A conversation about a listing must include its author."))
    admission = admit(author=sender, texts=[body])
    if listing is None and trust_level(sender) == NEW and is_stranger(sender, recipient):
        raise PermissionDenied(
            _(
                "New accounts can only write to people they know (who follow them, or share a "
                "community with them), or answer a listing. Take part a little first."
            )
        )

    key = idempotency_key or uuid.uuid4()
    with transaction.atomic():
        conversation, created = Conversation.objects.get_or_create(
            pair_key=pair_key(sender, recipient, listing),
            defaults={"listing": listing} if listing is not None else {},
        )
        if created:
            ConversationParticipant.objects.bulk_create(
                [
                    ConversationParticipant(conversation=conversation, user=sender),
                    ConversationParticipant(conversation=conversation, user=recipient),
                ]
            )
        message = _message_append(
            conversation=conversation,
            sender=sender,
            body=body,
            idempotency_key=key,
            admission=admission,
        )
    if created:
        logger.info(
            "conversation started",
            extra={"conversation_id": conversation.pk, "listing_id": listing and listing.pk},
        )
    return message.conversation


def message_send(
    *,
    sender: User,
    conversation: Conversation,
    body: str,
    idempotency_key: uuid.UUID | None = None,
) -> Message:
    """Append `body` to `conversation`. Only its participants may write; an outsider is told
    the conversation does not exist. A repeated `idempotency_key` returns the first message."""
    if not ConversationParticipant.objects.filter(conversation=conversation, user=sender).exists():
        raise NotFound(_("Conversation not found."))
    body = message_body_clean(body)
    others = list(
        User.objects.filter(conversation_memberships__conversation=conversation).exclude(
            pk=sender.pk
        )
    )
    if others and not any(can_receive_messages(other) for other in others):
        raise ValidationError(_("This person can no longer receive messages."))
    admission = admit(author=sender, texts=[body])
    with transaction.atomic():
        return _message_append(
            conversation=conversation,
            sender=sender,
            body=body,
            idempotency_key=idempotency_key or uuid.uuid4(),
            admission=admission,
        )


def _message_append(
    *,
    conversation: Conversation,
    sender: User,
    body: str,
    idempotency_key: uuid.UUID,
    admission: Admission,
) -> Message:
    """Store the message once per (sender, idempotency_key); must run inside a transaction."""
    try:
        with transaction.atomic():
            message = Message.objects.create(
                conversation=conversation,
                sender=sender,
                body=body,
                idempotency_key=idempotency_key,
                moderation=admission.state,
            )
    except IntegrityError:
        existing = (
            Message.objects.select_related("conversation")
            .filter(sender=sender, idempotency_key=idempotency_key)
            .first()
        )
        if existing is None:
            raise
        if existing.conversation_id != conversation.pk:
            raise Conflict(
                _("This form was already used to send a message elsewhere; reload the page.")
            ) from None
        return existing
    # Only ever moves forward, so a slow concurrent send cannot reorder the inbox backwards.
    Conversation.objects.filter(pk=conversation.pk).filter(
        Q(last_message_at__isnull=True) | Q(last_message_at__lt=message.created_at)
    ).update(last_message_at=message.created_at)
    content_admitted(message, admission)
    logger.info(
        "message sent",
        extra={"conversation_id": conversation.pk, "message_id": message.pk},
    )
    return message


def conversation_mark_read(*, user: User, conversation: Conversation) -> None:
    """Everything in `conversation` up to now counts as read by `user`."""
    now = timezone.now()
    membership = ConversationParticipant.objects.filter(conversation=conversation, user=user)
    # Never moves backwards: two tabs marking at once keep the later instant.
    updated = membership.filter(Q(last_read_at__isnull=True) | Q(last_read_at__lt=now)).update(
        last_read_at=now
    )
    if not updated and not membership.exists():
        raise NotFound(_("Conversation not found."))
