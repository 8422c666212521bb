"""Who may do what in a community. Every view asks one of these, with the membership it read."""

from django.contrib.auth.models import AnonymousUser

from essaim.accounts.models import User
from essaim.communities.models import Community, Membership

MANAGERS = {Membership.Role.OWNER, Membership.Role.MODERATOR}


def membership_of(user: User | AnonymousUser, community: Community) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(community=community, user=user).first()


def is_active_member(membership: Membership | None) -> bool:
    return membership is not None and membership.status == Membership.Status.ACTIVE


def can_view_content(community: Community, membership: Membership | None) -> bool:
    """Description, charter, posts, members: everyone for a public community, members only for
    a private one (outsiders see its name and nothing else)."""
    return not community.is_private or is_active_member(membership)


def can_post(membership: Membership | None) -> bool:
    return is_active_member(membership)


def can_moderate(membership: Membership | None) -> bool:
    return is_active_member(membership) and membership is not None and membership.role in MANAGERS


def can_manage_roles(membership: Membership | None) -> bool:
    return (
        is_active_member(membership)
        and membership is not None
        and (membership.role == Membership.Role.OWNER)
    )


def can_edit(membership: Membership | None) -> bool:
    return can_moderate(membership)


def can_delete_post(
    user: User | AnonymousUser, author_id: int, membership: Membership | None
) -> bool:
    return (user.is_authenticated and user.pk == author_id) or can_moderate(membership)
