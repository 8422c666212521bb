"""Reads on private conversations, always scoped to the person asking."""

from datetime import UTC, datetime
from typing import Any, TypedDict, cast

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Left
from django.utils.translation import gettext as _
from django_stubs_ext import WithAnnotations

from essaim.accounts.models import User
from essaim.aid.models import AidListing
from essaim.aid.selectors import listing_get_for
from essaim.core.errors import NotFound
from essaim.core.models import shown_q
from essaim.messaging.models import Conversation, ConversationParticipant, Message

INBOX_PAGE_SIZE = 20
MESSAGES_PAGE_SIZE = 30
PREVIEW_LENGTH = 160

# Stands in for "never read": every message is newer than this.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class InboxRow(TypedDict):
    """What `conversation_list_for` adds to each conversation."""

    my_last_read_at: datetime | None
    last_message_preview: str | None
    last_message_sender_id: int | None
    unread_count: int
    other_participants: list[ConversationParticipant]


def _read_since(outer_field: str) -> Coalesce:
    return Coalesce(OuterRef(outer_field), Value(NEVER), output_field=DateTimeField())


def _others_participants(user: User) -> Prefetch:
    return Prefetch(
        "participants",
        queryset=ConversationParticipant.objects.exclude(user=user).select_related("user"),
        to_attr="other_participants",
    )


def conversation_list_for(user: User) -> "QuerySet[WithAnnotations[Conversation, InboxRow]]":
    """The inbox of `user`, latest activity first.

    Each conversation carries `other_participants` (prefetched, with their user),
    `last_message_preview`, `last_message_sender_id` and `unread_count` (messages from others
    after my `last_read_at`), in one query plus one prefetch, whatever the page size.
    """
    latest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    unread = (
        Message.objects.filter(
            conversation=OuterRef("pk"), created_at__gt=_read_since("my_last_read_at")
        )
        .exclude(sender=user)
        .order_by()
        .values("conversation")
        .annotate(count=Count("id"))
        .values("count")
    )
    inbox = (
        # The annotation reuses the join of this filter: it is my own participant row.
        Conversation.objects.filter(participants__user=user)
        .annotate(my_last_read_at=F("participants__last_read_at"))
        .annotate(
            last_message_preview=Subquery(
                latest.annotate(preview=Left("body", PREVIEW_LENGTH)).values("preview")[:1]
            ),
            last_message_sender_id=Subquery(latest.values("sender_id")[:1]),
            unread_count=Coalesce(
                Subquery(unread, output_field=IntegerField()), 0, output_field=IntegerField()
            ),
        )
        .select_related("listing")
        .prefetch_related(_others_participants(user))
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")
    )
    # The plugin infers the annotations but not the prefetched `other_participants`.
    return cast("QuerySet[WithAnnotations[Conversation, InboxRow]]", inbox)


def conversation_get_for(*, pk: int, user: User) -> Conversation:
    """The conversation if `user` takes part in it; NotFound (404) otherwise, exactly as if it
    did not exist."""
    conversation = (
        Conversation.objects.filter(pk=pk, participants__user=user)
        .select_related("listing")
        .prefetch_related(_others_participants(user))
        .first()
    )
    if conversation is None:
        raise NotFound(_("Conversation not found."))
    return conversation


def unread_conversation_count(user: User) -> int:
    """How many of my conversations hold a message from someone else that I have not read."""
    unread = Message.objects.filter(
        conversation=OuterRef("conversation_id"), created_at__gt=_read_since("last_read_at")
    ).exclude(sender=user)
    return ConversationParticipant.objects.filter(user=user).filter(Exists(unread)).count()


def message_page_for(
    *, user: User, conversation: Conversation, page: int | str | None = None
) -> Page:
    """One page of messages, page 1 being the latest; oldest first within the page so that it
    reads top to bottom. An out-of-range or malformed page number gives the nearest page."""
    messages = (
        Message.objects.filter(conversation=conversation, conversation__participants__user=user)
        .filter(shown_q(user, "sender"))
        .select_related("sender")
        .order_by("-created_at", "-id")
    )
    result = Paginator(messages, MESSAGES_PAGE_SIZE).get_page(page)
    result.object_list = list(reversed(result.object_list))
    return result


def message_recipient_get(*, handle: str) -> User:
    """The person behind a public handle. Closed accounts are found too, so that the service
    can say they no longer receive messages rather than pretend the handle is unknown."""
    recipient = User.objects.filter(handle=handle).first()
    if recipient is None:
        raise NotFound(_("No one has the handle “%(handle)s”.") % {"handle": handle})
    return recipient


def conversation_listing_for(*, user: User, conversation: Conversation) -> AidListing | None:
    """The listing the conversation is about, or None when there is none or `user` may no
    longer see it (then the page shows no title and no link)."""
    if conversation.listing_id is None:
        return None
    try:
        return listing_get_for(pk=conversation.listing_id, user=user)
    except NotFound:
        return None


def messaging_export_for(user: User) -> dict[str, Any]:
    """What a person's data export holds about their messages: each conversation they take
    part in (with whom, about which listing, how far they read) and the messages they wrote.
    Other people's messages are theirs, so they are left out. JSON-safe."""
    memberships = (
        ConversationParticipant.objects.filter(user=user)
        .select_related("conversation")
        .prefetch_related(
            Prefetch(
                "conversation__participants",
                queryset=ConversationParticipant.objects.exclude(user=user).select_related("user"),
                to_attr="other_participants",
            ),
            Prefetch(
                "conversation__messages",
                queryset=Message.objects.filter(sender=user).order_by("created_at", "id"),
                to_attr="my_messages",
            ),
        )
        .order_by("conversation__created_at", "conversation_id")
    )
    return {
        "conversations": [
            {
                "id": membership.conversation_id,
                "started_at": membership.conversation.created_at.isoformat(),
                "listing_id": membership.conversation.listing_id,
                "with": [
                    {"handle": other.user.handle, "display_name": other.user.display_name}
                    for other in membership.conversation.other_participants  # type: ignore[attr-defined]
                ],
                "last_read_at": (
                    membership.last_read_at.isoformat() if membership.last_read_at else None
                ),
                "messages_i_sent": [
                    {"sent_at": message.created_at.isoformat(), "body": message.body}
                    for message in membership.conversation.my_messages  # type: ignore[attr-defined]
                ],
            }
            for membership in memberships
        ]
    }
