"""Who may moderate what: a community's owners and moderators its cases; the instance's staff
every case, and alone the instance-wide sanctions."""

from django.contrib.auth.models import AnonymousUser

from essaim.accounts.models import User
from essaim.accounts.permissions import can_moderate_instance
from essaim.communities.models import Membership
from essaim.moderation.models import Action, Appeal, Case

MANAGERS = [Membership.Role.OWNER, Membership.Role.MODERATOR]
STAFF_ONLY = {Action.Kind.SUSPEND, Action.Kind.BAN_INSTANCE}
APPEALABLE = {
    Action.Kind.HIDE,
    Action.Kind.REMOVE,
    Action.Kind.AUTO_HIDE,
    Action.Kind.WARN,
    Action.Kind.SUSPEND,
    Action.Kind.BAN_COMMUNITY,
    Action.Kind.BAN_INSTANCE,
    Action.Kind.DISPUTED,
}


def moderated_community_ids(user: User) -> list[int]:
    return list(
        Membership.objects.filter(
            user=user, status=Membership.Status.ACTIVE, role__in=MANAGERS
        ).values_list("community_id", flat=True)
    )


def moderates(user: User | AnonymousUser, community_id: int | None) -> bool:
    if not isinstance(user, User) or not user.is_active:
        return False
    if can_moderate_instance(user):
        return True
    return community_id is not None and community_id in moderated_community_ids(user)


def is_moderator(user: User | AnonymousUser) -> bool:
    """Has a queue at all."""
    return isinstance(user, User) and (user.is_staff or bool(moderated_community_ids(user)))


def can_view_case(user: User | AnonymousUser, case: Case) -> bool:
    # Nobody moderates a case about themselves.
    return moderates(user, case.community_id) and case.subject_id != getattr(user, "pk", None)


def can_act(user: User | AnonymousUser, case: Case, kind: str) -> bool:
    if not can_view_case(user, case):
        return False
    return kind not in STAFF_ONLY or (isinstance(user, User) and user.is_staff)


def can_decide_appeal(user: User | AnonymousUser, appeal: Appeal) -> bool:
    action = appeal.action
    if not isinstance(user, User) or user.pk in (action.actor_id, appeal.appellant_id):
        return False
    if action.kind in STAFF_ONLY or action.community_id is None:
        return user.is_staff
    return moderates(user, action.community_id)
