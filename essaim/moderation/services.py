"""Reports, decisions and appeals. Every decision is an Action (the audit log), is told to the
person it is about with its reason, and closes the case for its reporters, who are told too."""

from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts import services as accounts_services
from essaim.accounts.models import User
from essaim.accounts.screening import Admission
from essaim.accounts.trust import MEMBER, forget, trust_level
from essaim.campaigns.models import Campaign
from essaim.communities import services as communities_services
from essaim.communities.models import Community
from essaim.core import reportable
from essaim.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from essaim.core.models import Moderated, Moderation
from essaim.moderation import permissions, reasons
from essaim.moderation.models import Action, Appeal, Case, InstanceSettings, Reason, Report
from essaim.moderation.selectors import auto_hide_reports_needed, reports_since_decision
from essaim.moderation.targets import Target, target_of, visible_target
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


def case_for(target: Target, *, flagged_by: str = "", reopen: bool = True) -> Case:
    """The one case about `target`, opened on first need; with `reopen` (new reports, a
    flagged edit), a decided case opens again."""
    content_type = ContentType.objects.get_for_model(target.entry.model)
    # get_or_create inserts in a savepoint and reads again when a simultaneous report wrote
    # the case first (the unique target): one case either way.
    case, created = Case.objects.get_or_create(
        content_type=content_type,
        object_id=target.pk,
        defaults={
            "community_id": target.community_id,
            "subject": target.author,
            "excerpt": target.words,
            "flagged_by": flagged_by,
        },
    )
    if reopen and not created and case.status != Case.Status.OPEN:
        # One UPDATE, after any decision holding the case's lock has committed.
        Case.objects.filter(pk=case.pk).exclude(status=Case.Status.OPEN).update(
            status=Case.Status.OPEN, excerpt=target.words, updated_at=timezone.now()
        )
        case.refresh_from_db()
    return case


def case_open(*, actor: User, kind: str, pk: int) -> Case:
    """A moderator opens a case on content of their community without waiting for a report
    (to label it disputed, say); opening it again returns the same case, decided or not (a
    decided case is reopened explicitly, `case_reopen`)."""
    target = visible_target(kind=kind, pk=pk, user=actor)
    if not permissions.moderates(actor, target.community_id):
        raise NotFound(_("This content does not exist."))
    if target.author.pk == actor.pk:
        raise ValidationError(_("Another moderator handles your own content."))
    return case_for(target, reopen=False)


def content_admitted(content: Moderated, admission: Admission) -> None:
    """After a text was stored as `admission` said: a held or flagged text opens a case."""
    if not admission.flagged_by:
        return
    target = Target(reportable.of(content), content)
    case = case_for(target, flagged_by=admission.flagged_by)
    if admission.state == Moderation.HELD:
        Action.objects.create(
            kind=Action.Kind.HOLD,
            case=case,
            community=case.community,
            subject=case.subject,
            reason_code=reasons.CAUGHT,
            reason_params={"by": admission.flagged_by},
            **_about(target),
        )


def report(*, reporter: User, kind: str, pk: int, reason: str, note: str = "") -> Report:
    """Report something one can see. Reporting the same thing again updates one's report;
    everyone's reports about it merge into one case. Enough reports from established members
    (past the new-account level: a throw-away account's report does not count) hide the
    content until a moderator looks."""
    if reason not in Reason.values:
        raise ValidationError(_("Choose a reason."))
    target = visible_target(kind=kind, pk=pk, user=reporter)
    if target.author.pk == reporter.pk:
        raise ValidationError(_("You cannot report yourself."))
    # Sending one's report again changes its words, not the case: only a new report reopens
    # a decided case (below).
    case = case_for(target, reopen=False)
    # Established, not only trusted: trusted takes a month and twenty contributions, so three
    # reports from ordinary members left a spam post up on the home page.
    trusted = trust_level(reporter) >= MEMBER
    the_report, created = Report.objects.get_or_create(
        case=case,
        reporter=reporter,
        defaults={"reason": reason, "note": note.strip()[:1000], "trusted": trusted},
    )
    if created:
        case = case_for(target)
    else:
        the_report.reason, the_report.note = reason, note.strip()[:1000]
        the_report.save(update_fields=["reason", "note", "updated_at"])
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    if target.is_content:
        _maybe_auto_hide(case, target)
    return the_report


def _maybe_auto_hide(case: Case, target: Target) -> None:
    if reports_since_decision(case).filter(trusted=True).count() < auto_hide_reports_needed():
        return
    # Only the request that flips the row records the action: concurrent reports hide once.
    flipped = target.set_state(Moderation.HIDDEN, only_from=Moderation.VISIBLE)
    if not flipped:
        return
    Case.objects.filter(pk=case.pk).update(auto_hidden=True)
    action = Action.objects.create(
        kind=Action.Kind.AUTO_HIDE,
        case=case,
        community=case.community,
        subject=case.subject,
        reason_code=reasons.AUTO_HIDE,
        reason_params={"count": auto_hide_reports_needed()},
        **_about(target),
    )
    _tell_subject(action)


def _about(target: Target) -> dict[str, str]:
    """The action's target as keys (see Action.description)."""
    return {"target_kind": target.kind, "target_name": target.author.display_name[:200]}


def _tell_subject(action: Action) -> None:
    if action.subject is None:
        return
    notify(
        user=action.subject,
        kind=Notification.Kind.MODERATION_DECISION,
        key=f"action:{action.pk}",
        params={
            "action": action.kind,
            # Keys, not words: the notice is written in the reader's language, to them ("your
            # post"); the summary serves actions recorded before target_kind.
            "target": action.target_kind,
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


def _lock_case(case: Case) -> Case:
    """The case, read again under its row lock: every decision on a case takes it, so two
    moderators deciding at once decide one after the other, the second seeing the first's."""
    return Case.objects.select_for_update().get(pk=case.pk)


def _already_decided(case: Case) -> Conflict:
    return Conflict(
        _("This case is already decided (%(status)s): reopen it to decide again.")
        % {"status": case.get_status_display()},
        extra={"status": case.status},
    )


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
    """A moderator's decision on an open case, with the reason the person will read.

    Locks the case (`_lock_case`) and checks it is still open: of two moderators deciding at
    once, one decides and the other gets Conflict, so the person gets one decision and one
    notice. A decided case is decided again only after `case_reopen`. What the decision does
    to content or people is done by the owning domain's services."""
    reason = reason.strip()
    if kind not in Action.Kind.values:
        raise ValidationError(_("Unknown action."))
    if not reason and kind != Action.Kind.DISMISS:
        raise ValidationError(_("Give a reason: the person will read it."))
    if not permissions.can_act(actor, case, kind):
        raise PermissionDenied(_("You cannot take this action on this case."))
    case = _lock_case(case)
    if case.status != Case.Status.OPEN:
        raise _already_decided(case)
    target = target_of(case.target)
    if target is None:
        raise NotFound(_("This content no longer exists."))
    subject = case.subject
    until = None
    if kind in CONTENT_ACTIONS:
        if not target.is_content:
            raise ValidationError(_("Only content can be hidden or removed."))
        target.set_state(CONTENT_ACTIONS[kind])
    elif kind == Action.Kind.RESTORE:
        if not target.is_content:
            raise ValidationError(_("Only content can be restored."))
        target.set_state(Moderation.VISIBLE)
    elif kind == Action.Kind.SUSPEND:
        if not days or not 1 <= days <= MAX_SUSPENSION_DAYS:
            raise ValidationError(
                _("Suspend for 1 to %(max)d days.") % {"max": MAX_SUSPENSION_DAYS}
            )
        until = timezone.now() + timedelta(days=days)
        accounts_services.user_suspend(actor=actor, user=subject, until=until)
    elif kind == Action.Kind.BAN_COMMUNITY:
        community_id = community_id or case.community_id
        if community_id is None:
            raise ValidationError(_("Choose the community to ban from."))
        community = Community.objects.filter(pk=community_id).first()
        if community is None or not permissions.moderates(actor, community_id):
            raise PermissionDenied(_("You do not moderate this community."))
        communities_services.community_ban(actor=actor, community=community, user=subject)
    elif kind == Action.Kind.BAN_INSTANCE:
        accounts_services.user_ban(actor=actor, user=subject)
    elif kind == Action.Kind.DISMISS and case.auto_hidden and target.is_content:
        # Dismissing reports that hid something automatically puts it back (not what a
        # moderator removed on an earlier round of the case).
        target.set_state(Moderation.VISIBLE, only_from=Moderation.HIDDEN)
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
        **_about(target),
    )
    # Leaving labelled content up is the moderators' answer to it: the label stands as the
    # action taken, and reporters hear the moderators acted.
    no_action = kind == Action.Kind.DISMISS and not target.disputed_note
    case.status = Case.Status.DISMISSED if no_action else Case.Status.ACTIONED
    case.save(update_fields=["status", "updated_at"])
    forget(subject)
    if kind != Action.Kind.DISMISS:
        _tell_subject(action)
    _tell_reporters(case)
    return action


@transaction.atomic
def case_reopen(*, actor: User, case: Case, reason: str = "") -> Case:
    """A moderator reopens a decided case to decide again; what was decided stands until the
    next decision (an appeal is what undoes one). Reopening an open case changes nothing."""
    if not permissions.can_view_case(actor, case):
        raise PermissionDenied(_("You cannot take this action on this case."))
    case = _lock_case(case)
    if case.status == Case.Status.OPEN:
        return case
    case.status = Case.Status.OPEN
    case.save(update_fields=["status", "updated_at"])
    target = target_of(case.target)
    Action.objects.create(
        kind=Action.Kind.REOPEN,
        actor=actor,
        case=case,
        community=case.community,
        subject=case.subject,
        reason=reason.strip()[:2000],
        **(_about(target) if target else {"summary": case.excerpt[:300]}),
    )
    return case


def bulk_act(*, actor: User, cases: list[Case], kind: str, reason: str) -> int:
    """The same decision on several cases; cases the actor may not act on, and cases decided
    meanwhile, are left alone."""
    if kind not in (Action.Kind.HIDE, Action.Kind.REMOVE, Action.Kind.DISMISS):
        raise ValidationError(_("Only hide, remove and dismiss apply to several cases at once."))
    done = 0
    for case in cases:
        if not permissions.can_act(actor, case, kind):
            continue
        try:
            act(actor=actor, case=case, kind=kind, reason=reason)
        except Conflict:
            continue
        done += 1
    return done


@transaction.atomic
def dispute(*, actor: User, case: Case, note: str) -> Action:
    """Label content disputed with a moderator's context note (empty note: remove the label).

    A label is an annotation, not a verdict: the case stays as it was. On an open case it is
    shown at once while the decision waits — hide or remove it, or leave it up with its label
    (`act` with dismiss, which then counts as acted on); on a decided case it is edited without
    reopening. The case's lock orders the edits with the decisions."""
    if not permissions.can_act(actor, case, Action.Kind.DISPUTED):
        raise PermissionDenied(_("You cannot take this action on this case."))
    case = _lock_case(case)
    target = target_of(case.target)
    if target is None or not target.is_content:
        raise ValidationError(_("Only content can be labelled disputed."))
    note = note.strip()[:2000]
    target.set_disputed(note)
    action = Action.objects.create(
        kind=Action.Kind.DISPUTED if note else Action.Kind.UNDISPUTED,
        actor=actor,
        case=case,
        community=case.community,
        subject=case.subject,
        reason=note,
        **_about(target),
    )
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    return action


def appeal(*, appellant: User, action: Action, text: str) -> Appeal:
    """Ask for a decision about oneself to be reviewed; once per decision."""
    if action.subject_id != appellant.pk or action.kind not in permissions.APPEALABLE:
        raise NotFound(_("This decision does not exist."))
    text = text.strip()
    if not text:
        raise ValidationError(_("Say why the decision should change."))
    the_appeal, _created = Appeal.objects.get_or_create(
        action=action, appellant=appellant, defaults={"text": text[:2000]}
    )
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
        _undo(action, actor=actor)
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
        target_kind=action.target_kind,
        target_name=action.target_name,
        summary=action.summary,
    )
    notify(
        user=locked.appellant,
        kind=Notification.Kind.APPEAL_DECIDED,
        key=f"appeal:{locked.pk}",
        params={
            "overturned": overturn,
            "target": action.target_kind,
            "summary": action.summary,
            "note": locked.decision_note,
        },
        url=reverse("moderation:action", args=[action.pk]),
    )
    if action.subject is not None:
        forget(action.subject)
    return locked


def _undo(action: Action, *, actor: User) -> None:
    """Undo a decision through the owning domains' services (an appeal overturned it)."""
    target = target_of(action.case.target) if action.case else None
    subject = action.subject
    if action.kind in (*CONTENT_ACTIONS, Action.Kind.AUTO_HIDE) and target and target.is_content:
        target.set_state(Moderation.VISIBLE)
    elif action.kind == Action.Kind.SUSPEND and subject is not None:
        accounts_services.user_unsuspend(actor=actor, user=subject)
    elif action.kind == Action.Kind.BAN_COMMUNITY and subject and action.community:
        communities_services.community_unban(actor=actor, community=action.community, user=subject)
    elif action.kind == Action.Kind.BAN_INSTANCE and subject is not None:
        accounts_services.user_unban(actor=actor, user=subject)
    elif action.kind == Action.Kind.DISPUTED and target and target.is_content:
        target.set_disputed("")


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
            reason_code=reasons.SPAM_WAVE_ON if hold_new_accounts else reasons.SPAM_WAVE_OFF,
        )
    return current


def audit(*, actor: User, kind: str, summary: str = "", reason_code: str = "") -> Action:
    """An admin's change outside a case (a filter rule edited in the admin)."""
    return Action.objects.create(
        kind=kind, actor=actor, summary=summary[:300], reason_code=reason_code
    )


def _campaign_title(campaign_id: int) -> str:
    return Campaign.objects.filter(pk=campaign_id).values_list("title", flat=True).first() or ""


def signatures_invalidated(
    *, invalidation_id: int, campaign_id: int, actor_id: int, count: int, reason: str, **_: Any
) -> None:
    """`campaigns.signatures_invalidated`: the batch goes into the audit log, in the
    transaction that set it aside."""
    Action.objects.create(
        kind=Action.Kind.INVALIDATE,
        actor_id=actor_id,
        summary=_campaign_title(campaign_id)[:300],
        reason=reason,
        reason_code=reasons.INVALIDATED,
        reason_params={"count": count, "batch": invalidation_id, "reason": reason},
    )


def signatures_restored(
    *, invalidation_id: int, campaign_id: int, actor_id: int, count: int, **_: Any
) -> None:
    """`campaigns.signatures_restored`: the restore goes into the audit log likewise."""
    Action.objects.create(
        kind=Action.Kind.REVALIDATE,
        actor_id=actor_id,
        summary=_campaign_title(campaign_id)[:300],
        reason_code=reasons.REVALIDATED,
        reason_params={"count": count, "batch": invalidation_id},
    )
