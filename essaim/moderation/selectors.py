"""The moderators' reads: their queue, a case, pending appeals, and the two logs."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.core import reportable
from essaim.core.errors import NotFound
from essaim.moderation import permissions
from essaim.moderation.models import Action, Appeal, Case, Report


def _scope(user: User) -> Q:
    if user.is_staff:
        return Q()
    return Q(community_id__in=permissions.moderated_community_ids(user))


def queue_for(
    user: User,
    *,
    status: str = Case.Status.OPEN,
    reason: str = "",
    kind: str = "",
    community_id: int | None = None,
) -> QuerySet[Case]:
    """The cases `user` moderates, never one about themselves, with their report counts."""
    cases = Case.objects.filter(_scope(user)).exclude(subject=user)
    if status:
        cases = cases.filter(status=status)
    if reason:
        cases = cases.filter(reports__reason=reason)
    entry = reportable.get(kind) if kind else None
    if entry is not None:
        cases = cases.filter(content_type=ContentType.objects.get_for_model(entry.model))
    if community_id is not None:
        cases = cases.filter(community_id=community_id)
    # The case's last label edit: an open case whose content is labelled waits for the decision
    # that follows the label (hide it, or leave it up labelled).
    last_label = (
        Action.objects.filter(
            case=OuterRef("pk"), kind__in=[Action.Kind.DISPUTED, Action.Kind.UNDISPUTED]
        )
        .order_by("-created_at", "-pk")
        .values("kind")[:1]
    )
    return (
        cases.annotate(
            report_count=Count("reports", distinct=True), last_label=Subquery(last_label)
        )
        .select_related("community", "subject", "content_type")
        .order_by("-auto_hidden", "-updated_at", "-pk")
        .distinct()
    )


def case_get_for(*, pk: int, user: User) -> Case:
    case = Case.objects.select_related("community", "subject", "content_type").filter(pk=pk).first()
    if case is None or not permissions.can_view_case(user, case):
        raise NotFound(_("This case does not exist."))
    return case


def appeals_for(user: User) -> QuerySet[Appeal]:
    """Pending appeals `user` may decide: not on their own decisions."""
    appeals = Appeal.objects.filter(status=Appeal.Status.PENDING).exclude(
        Q(action__actor=user) | Q(appellant=user)
    )
    if not user.is_staff:
        appeals = appeals.filter(
            action__community_id__in=permissions.moderated_community_ids(user)
        ).exclude(action__kind__in=permissions.STAFF_ONLY)
    return appeals.select_related("action", "appellant").order_by("created_at", "pk")


def action_get_for(*, pk: int, user: User) -> Action:
    """A decision, for the person it is about or for a moderator who may see its case."""
    action = Action.objects.select_related("case", "actor").filter(pk=pk).first()
    if action is None:
        raise NotFound(_("This decision does not exist."))
    if action.subject_id == user.pk:
        return action
    if action.case is not None and permissions.can_view_case(user, action.case):
        return action
    raise NotFound(_("This decision does not exist."))


# The community's public log: decisions, not the admins' settings nor the moderators' own
# bookkeeping (a case reopened tells nothing yet).
PUBLIC_KINDS = [
    kind for kind in Action.Kind.values if kind not in ("filter", "spam_wave", "reopen")
]


def public_log(community_id: int) -> QuerySet[Action]:
    """What the community's moderators did, when and why; reporters never appear."""
    return (
        Action.objects.filter(community_id=community_id, kind__in=PUBLIC_KINDS)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def audit_log() -> QuerySet[Action]:
    return Action.objects.select_related("actor", "subject", "community").order_by(
        "-created_at", "-pk"
    )


# What keeps a person from the trusted level for a while (accounts.trust).
SANCTIONS = ["hide", "remove", "warn", "suspend", "ban_community", "ban_instance", "auto_hide"]


def sanctioned_since(user: User, since: datetime) -> bool:
    return Action.objects.filter(subject=user, kind__in=SANCTIONS, created_at__gte=since).exists()


def auto_hide_reports_needed() -> int:
    """How many reports from established members hide a post or comment until a moderator
    looks (setting MODERATION_AUTO_HIDE_REPORTS)."""
    return int(getattr(settings, "MODERATION_AUTO_HIDE_REPORTS", 3))


@dataclass(frozen=True)
class AutoHide:
    """Where a case stands against the auto-hide rule, shown to moderators (why a reported
    post is still up)."""

    counted: int
    ignored: int
    needed: int
    hidden: bool


# A moderator's word on the content: reports made before it were answered by it.
DECISIONS = [
    Action.Kind.HIDE,
    Action.Kind.REMOVE,
    Action.Kind.RESTORE,
    Action.Kind.WARN,
    Action.Kind.SUSPEND,
    Action.Kind.BAN_COMMUNITY,
    Action.Kind.BAN_INSTANCE,
    Action.Kind.DISMISS,
]


def reports_since_decision(case: Case) -> QuerySet[Report]:
    """The reports a moderator has not answered yet: after a dismissal, the old round's
    reports (or one of them sent again) must not hide the content once more."""
    decided = case.actions.filter(kind__in=DECISIONS).aggregate(at=Max("created_at"))["at"]
    reports = case.reports.all()
    return reports if decided is None else reports.filter(created_at__gt=decided)


def auto_hide_status(case: Case) -> AutoHide:
    counts = reports_since_decision(case).aggregate(
        counted=Count("pk", filter=Q(trusted=True)), ignored=Count("pk", filter=Q(trusted=False))
    )
    return AutoHide(
        counted=counts["counted"],
        ignored=counts["ignored"],
        needed=auto_hide_reports_needed(),
        hidden=case.auto_hidden,
    )
