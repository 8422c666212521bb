"""What an account's standing allows, whatever the domain: the instance's staff moderate the
whole instance (every community's cases, and alone what belongs to no community)."""

from django.contrib.auth.models import AnonymousUser

from essaim.accounts.models import User


def can_moderate_instance(user: User | AnonymousUser) -> bool:
    return isinstance(user, User) and user.is_active and user.is_staff
