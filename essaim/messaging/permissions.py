"""Who may write to whom. Pure predicates: they read attributes, never the database."""

from django.contrib.auth.models import AnonymousUser

from essaim.accounts.models import User


def can_receive_messages(user: User) -> bool:
    """Closed (deleted) and deactivated accounts cannot be written to."""
    return user.is_active and user.deleted_at is None


def can_message(sender: User | AnonymousUser, recipient: User) -> bool:
    return (
        sender.is_authenticated
        and sender.is_active
        and sender.pk != recipient.pk
        and can_receive_messages(recipient)
    )
