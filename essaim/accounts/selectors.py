"""Reads on people. Nothing here ever exposes an e-mail address to anyone but its owner."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from essaim.accounts.models import User, UserFollow
from essaim.core.errors import NotFound
from essaim.core.places import Point


def people_active() -> QuerySet[User]:
    """Members: not deleted, not banned, and not guests (who have no profile)."""
    return User.objects.filter(is_active=True, deleted_at__isnull=True, is_guest=False)


def person_get(*, handle: str) -> User:
    try:
        return people_active().get(handle=handle)
    except User.DoesNotExist as error:
        raise NotFound(_("This person does not exist.")) from error


def follow_counts(person: User) -> dict[str, int]:
    return {
        "followers": UserFollow.objects.filter(follower__is_active=True, followed=person).count(),
        "following": UserFollow.objects.filter(follower=person, followed__is_active=True).count(),
    }


def is_following(viewer: User | AnonymousUser, person: User) -> bool:
    if not viewer.is_authenticated:
        return False
    return UserFollow.objects.filter(follower=viewer, followed=person).exists()


def followers_of(person: User) -> QuerySet[User]:
    return people_active().filter(following_links__followed=person).order_by("display_name")


def followed_by(person: User) -> QuerySet[User]:
    return people_active().filter(follower_links__follower=person).order_by("display_name")


def home_point(user: User | AnonymousUser) -> Point | None:
    """The person's private home area as a point, where "near me" searches start."""
    if not isinstance(user, User) or user.home_latitude is None or user.home_longitude is None:
        return None
    return Point(user.home_latitude, user.home_longitude)
