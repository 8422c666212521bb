"""Reports, decisions and appeals. Every decision is an Action (the audit log), is told to the
person it is about with its reason, and closes the case for its reporters, who are told too."""

from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.accounts.screening import Admission
from essaim.accounts.trust import MEMBER, forget, trust_level
from essaim.communities.models import Membership
from essaim.core.errors import NotFound, PermissionDenied, ValidationError
from essaim.core.models import Moderated, Moderation
from essaim.moderation import permissions
from essaim.moderation.models import Action, Appeal, Case, InstanceSettings, Reason, Report
from essaim.moderation.selectors import auto_hide_reports_needed
from essaim.moderation.targets import author_of, community_of, describe, visible_target, words_of
from essaim.notifications.models import Notification
from essaim.notifications.services import notify

CONTENT_ACTIONS: dict[str, str] = {
    Action.Kind.HIDE: Moderation.HIDDEN,
    Action.Kind.REMOVE: Moderation.REMOVED,
}
PERSON_ACTIONS = {
    Action.Kind.WARN,
    Action.Kind.SUSPEND,
    Action.Kind.BAN_COMMUNITY,
    Action.Kind.BAN_INSTANCE,
}
MAX_SUSPENSION_DAYS = 365


def auto_hide_threshold() -> int:
    return auto_hide_reports_needed()


def case_for(target: Any, *, flagged_by: str = "") -> Case:
    """The one case about `target`, opened on first need; a closed case opens again."""
    content_type = ContentType.objects.get_for_model(target)
    community = community_of(target)
    try:
        with transaction.atomic():
            case, created = Case.objects.get_or_create(
                content_type=content_type,
                object_id=target.pk,
                defaults={
                    "community": community,
                    "subject": author_of(target),
                    "excerpt": words_of(target),
                    "flagged_by": flagged_by,
                },
            )
    except IntegrityError:
        case, created = Case.objects.get(content_type=content_type, object_id=target.pk), False
    if not created and case.status != Case.Status.OPEN:
        case.status = Case.Status.OPEN
        case.excerpt = words_of(target)
        case.save(update_fields=["status", "excerpt", "updated_at"])
    return case


def case_open(*, actor: User, kind: str, pk: int) -> Case:
    """A moderator opens a case on content of their community without waiting for a report
    (to label it disputed, say); opening it again returns the same case."""
    target = visible_target(kind=kind, pk=pk, user=actor)
    community = community_of(target)
    if not permissions.moderates(actor, community.pk if community else None):
        raise NotFound(_("This content does not exist."))
    if author_of(target).pk == actor.pk:
        raise ValidationError(_("Another moderator handles your own content."))
    return case_for(target)


def content_admitted(target: Moderated, admission: Admission) -> None:
    """After a text was stored as `admission` said: a held or flagged text opens a case."""
    if not admission.flagged_by:
        return
    case = case_for(target, flagged_by=admission.flagged_by)
    if admission.state == Moderation.HELD:
        Action.objects.create(
            kind=Action.Kind.HOLD,
            case=case,
            community=case.community,
            subject=case.subject,
            reason=admission.flagged_by,
            summary=describe(target),
        )


def report(*, reporter: User, kind: str, pk: int, reason: str, note: str = "") -> Report:
    """Report something one can see. Reporting the same thing again updates one's report;
    everyone's reports about it merge into one case. Enough reports from established members
    (past the new-account level: a throw-away account's report does not count) hide the
    content until a moderator looks."""
    if reason not in Reason.values:
        raise ValidationError(_("Choose a reason."))
    target = visible_target(kind=kind, pk=pk, user=reporter)
    if author_of(target).pk == reporter.pk:
        raise ValidationError(_("You cannot report yourself."))
    case = case_for(target)
    # Established, not only trusted: trusted takes a month and twenty contributions, so three
    # reports from ordinary members left a spam post up on the home page.
    trusted = trust_level(reporter) >= MEMBER
    try:
        with transaction.atomic():
            the_report, created = Report.objects.get_or_create(
                case=case,
                reporter=reporter,
                defaults={"reason": reason, "note": note.strip()[:1000], "trusted": trusted},
            )
    except IntegrityError:
        the_report, created = Report.objects.get(case=case, reporter=reporter), False
    if not created:
        the_report.reason, the_report.note = reason, note.strip()[:1000]
        the_report.save(update_fields=["reason", "note", "updated_at"])
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    if isinstance(target, Moderated):
        _maybe_auto_hide(case, target)
    return the_report


def _maybe_auto_hide(case: Case, target: Moderated) -> None:
    if case.reports.filter(trusted=True).count() < auto_hide_threshold():
        return
    # Only the request that flips the row records the action: concurrent reports hide once.
    flipped = (
        _rows(target).filter(moderation=Moderation.VISIBLE).update(moderation=Moderation.HIDDEN)
    )
    if not flipped:
        return
    Case.objects.filter(pk=case.pk).update(auto_hidden=True)
    action = Action.objects.create(
        kind=Action.Kind.AUTO_HIDE,
        case=case,
        community=case.community,
        subject=case.subject,
        reason=_("Reported by %(count)d established members; hidden until a moderator reviews it.")
        % {"count": auto_hide_threshold()},
        summary=describe(target),
    )
    _tell_subject(action)


def _tell_subject(action: Action) -> None:
    if action.subject is None:
        return
    notify(
        user=action.subject,
        kind=Notification.Kind.MODERATION_DECISION,
        key=f"action:{action.pk}",
        params={
            "action": action.kind,
            "summary": action.summary,
            "reason": action.reason,
            "until": action.until.isoformat() if action.until else "",
        },
        url=reverse("moderation:action", args=[action.pk]),
    )


def _tell_reporters(case: Case) -> None:
    """Each reporter hears the outcome once (which, never who else reported)."""
    for each in case.reports.filter(told_at__isnull=True).select_related("reporter"):
        notify(
            user=each.reporter,
            kind=Notification.Kind.REPORT_OUTCOME,
            key=f"report:{each.pk}:{case.status}:{case.updated_at.timestamp()}",
            params={"status": case.status, "summary": case.excerpt[:80]},
        )
    case.reports.filter(told_at__isnull=True).update(told_at=timezone.now())


def _rows(target: Moderated) -> QuerySet[Any]:
    """The row of any moderated model, to update in place."""
    return type(target)._default_manager.filter(pk=target.pk)


def _set_state(target: Moderated, state: str) -> None:
    _rows(target).update(moderation=state)


@transaction.atomic
def act(
    *,
    actor: User,
    case: Case,
    kind: str,
    reason: str,
    days: int | None = None,
    community_id: int | None = None,
) -> Action:
    """A moderator's decision on a case, with the reason the person will read."""
    reason = reason.strip()
    if kind not in Action.Kind.values:
        raise ValidationError(_("Unknown action."))
    if not reason and kind != Action.Kind.DISMISS:
        raise ValidationError(_("Give a reason: the person will read it."))
    if not permissions.can_act(actor, case, kind):
        raise PermissionDenied(_("You cannot take this action on this case."))
    target = case.target
    if target is None:
        raise NotFound(_("This content no longer exists."))
    subject = case.subject
    until = None
    if kind in CONTENT_ACTIONS:
        if not isinstance(target, Moderated):
            raise ValidationError(_("Only content can be hidden or removed."))
        _set_state(target, CONTENT_ACTIONS[kind])
    elif kind == Action.Kind.RESTORE:
        if not isinstance(target, Moderated):
            raise ValidationError(_("Only content can be restored."))
        _set_state(target, Moderation.VISIBLE)
    elif kind == Action.Kind.SUSPEND:
        if not days or not 1 <= days <= MAX_SUSPENSION_DAYS:
            raise ValidationError(
                _("Suspend for 1 to %(max)d days.") % {"max": MAX_SUSPENSION_DAYS}
            )
        until = timezone.now() + timedelta(days=days)
        User.objects.filter(pk=subject.pk).update(suspended_until=until)
    elif kind == Action.Kind.BAN_COMMUNITY:
        community_id = community_id or case.community_id
        if community_id is None:
            raise ValidationError(_("Choose the community to ban from."))
        if not permissions.moderates(actor, community_id):
            raise PermissionDenied(_("You do not moderate this community."))
        membership, _created = Membership.objects.get_or_create(
            community_id=community_id, user=subject, defaults={"status": Membership.Status.BANNED}
        )
        Membership.objects.filter(pk=membership.pk).update(
            status=Membership.Status.BANNED, role=Membership.Role.MEMBER
        )
    elif kind == Action.Kind.BAN_INSTANCE:
        User.objects.filter(pk=subject.pk).update(banned_at=timezone.now(), is_active=False)
    elif kind in (Action.Kind.DISMISS,) and case.auto_hidden and isinstance(target, Moderated):
        # Dismissing reports that hid something automatically puts it back.
        _set_state(target, Moderation.VISIBLE)
    elif kind not in (Action.Kind.WARN, Action.Kind.DISMISS):
        raise ValidationError(_("This action is not taken on cases."))
    action = Action.objects.create(
        kind=kind,
        actor=actor,
        case=case,
        community_id=community_id if kind == Action.Kind.BAN_COMMUNITY else case.community_id,
        subject=subject,
        reason=reason,
        until=until,
        summary=describe(target),
    )
    case.status = Case.Status.DISMISSED if kind == Action.Kind.DISMISS else Case.Status.ACTIONED
    case.save(update_fields=["status", "updated_at"])
    forget(subject)
    if kind != Action.Kind.DISMISS:
        _tell_subject(action)
    _tell_reporters(case)
    return action


def bulk_act(*, actor: User, cases: list[Case], kind: str, reason: str) -> int:
    """The same decision on several cases; cases the actor may not act on are left alone."""
    if kind not in (Action.Kind.HIDE, Action.Kind.REMOVE, Action.Kind.DISMISS):
        raise ValidationError(_("Only hide, remove and dismiss apply to several cases at once."))
    done = 0
    for case in cases:
        if permissions.can_act(actor, case, kind):
            act(actor=actor, case=case, kind=kind, reason=reason)
            done += 1
    return done


@transaction.atomic
def dispute(*, actor: User, case: Case, note: str) -> Action:
    """Label content disputed with a moderator's context note (empty note: remove the label)."""
    target = case.target
    if not isinstance(target, Moderated):
        raise ValidationError(_("Only content can be labelled disputed."))
    if not permissions.can_act(actor, case, Action.Kind.DISPUTED):
        raise PermissionDenied(_("You cannot take this action on this case."))
    note = note.strip()[:2000]
    _rows(target).update(disputed_note=note)
    action = Action.objects.create(
        kind=Action.Kind.DISPUTED if note else Action.Kind.UNDISPUTED,
        actor=actor,
        case=case,
        community=case.community,
        subject=case.subject,
        reason=note,
        summary=describe(target),
    )
    case.status = Case.Status.ACTIONED
    case.save(update_fields=["status", "updated_at"])
    _tell_reporters(case)
    return action


def appeal(*, appellant: User, action: Action, text: str) -> Appeal:
    """Ask for a decision about oneself to be reviewed; once per decision."""
    if action.subject_id != appellant.pk or action.kind not in permissions.APPEALABLE:
        raise NotFound(_("This decision does not exist."))
    text = text.strip()
    if not text:
        raise ValidationError(_("Say why the decision should change."))
    try:
        with transaction.atomic():
            the_appeal, _created = Appeal.objects.get_or_create(
                action=action, appellant=appellant, defaults={"text": text[:2000]}
            )
    except IntegrityError:
        the_appeal = Appeal.objects.get(action=action, appellant=appellant)
    return the_appeal


@transaction.atomic
def appeal_decide(*, actor: User, appeal: Appeal, overturn: bool, note: str) -> Appeal:
    """Another moderator than the one who decided rules on the appeal; overturning undoes the
    decision. Deciding twice changes nothing."""
    locked = Appeal.objects.select_for_update().select_related("action").get(pk=appeal.pk)
    if locked.status != Appeal.Status.PENDING:
        return locked
    action = locked.action
    if not permissions.can_decide_appeal(actor, locked):
        raise PermissionDenied(_("Another moderator than the one who decided rules on appeals."))
    if overturn:
        _undo(action)
    locked.status = Appeal.Status.OVERTURNED if overturn else Appeal.Status.UPHELD
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.decision_note = note.strip()[:2000]
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    Action.objects.create(
        kind=Action.Kind.APPEAL_OVERTURNED if overturn else Action.Kind.APPEAL_UPHELD,
        actor=actor,
        case=action.case,
        community=action.community,
        subject=action.subject,
        reason=locked.decision_note,
        summary=action.summary,
    )
    notify(
        user=locked.appellant,
        kind=Notification.Kind.APPEAL_DECIDED,
        key=f"appeal:{locked.pk}",
        params={"overturned": overturn, "summary": action.summary, "note": locked.decision_note},
        url=reverse("moderation:action", args=[action.pk]),
    )
    if action.subject is not None:
        forget(action.subject)
    return locked


def _undo(action: Action) -> None:
    target = action.case.target if action.case else None
    if action.kind in (*CONTENT_ACTIONS, Action.Kind.AUTO_HIDE) and isinstance(target, Moderated):
        _set_state(target, Moderation.VISIBLE)
    elif action.kind == Action.Kind.SUSPEND and action.subject is not None:
        User.objects.filter(pk=action.subject.pk).update(suspended_until=None)
    elif action.kind == Action.Kind.BAN_COMMUNITY and action.subject and action.community:
        Membership.objects.filter(
            community=action.community,
            user=action.subject,
            status=Membership.Status.BANNED,
        ).update(status=Membership.Status.ACTIVE)
    elif action.kind == Action.Kind.BAN_INSTANCE and action.subject is not None:
        User.objects.filter(pk=action.subject.pk).update(banned_at=None, is_active=True)
    elif action.kind == Action.Kind.DISPUTED and isinstance(target, Moderated):
        _rows(target).update(disputed_note="")


def spam_wave_set(*, actor: User, hold_new_accounts: bool) -> InstanceSettings:
    if not actor.is_staff:
        raise PermissionDenied(_("Only the instance's admins can do this."))
    current = InstanceSettings.current()
    if current.hold_new_accounts != hold_new_accounts:
        current.hold_new_accounts = hold_new_accounts
        current.save(update_fields=["hold_new_accounts", "updated_at"])
        Action.objects.create(
            kind=Action.Kind.SPAM_WAVE,
            actor=actor,
            reason=_("on") if hold_new_accounts else _("off"),
        )
    return current


def audit(*, actor: User, kind: str, summary: str, reason: str = "") -> Action:
    """An admin's change outside a case (a filter rule edited in the admin)."""
    return Action.objects.create(kind=kind, actor=actor, summary=summary[:300], reason=reason)
