from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from essaim.accounts.http import person
from essaim.accounts.models import User
from essaim.communities.selectors import content_get_for
from essaim.core import reportable
from essaim.core.errors import Conflict, NotFound
from essaim.core.http import redirect_back
from essaim.core.middleware import wants_json
from essaim.moderation import permissions, selectors, services
from essaim.moderation.forms import (
    AppealDecisionForm,
    AppealForm,
    BulkForm,
    DecisionForm,
    DisputeForm,
    ReportForm,
)
from essaim.moderation.models import Appeal, Case, InstanceSettings, Reason
from essaim.moderation.targets import target_of, visible_target

PAGE_SIZE = 30


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = person(request)
    target = visible_target(kind=kind, pk=pk, user=user)
    form = ReportForm(request.POST or None)
    context = {
        "form": form,
        "kind": kind,
        "target": target.obj,
        "next": request.GET.get("next", ""),
    }
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "moderation/report.html", context, status=400)
        services.report(
            reporter=user,
            kind=kind,
            pk=pk,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Thank you: the moderators will review your report."))
        return redirect_back(request, fallback=target.url or reverse("feed:home"))
    return render(request, "moderation/report.html", context)


def _require_moderator(user: User) -> None:
    if not permissions.is_moderator(user):
        raise NotFound(_("This page does not exist."))


@login_required
@require_POST
def case_open(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    case = services.case_open(actor=person(request), kind=kind, pk=pk)
    return redirect("moderation:case", pk=case.pk)


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = person(request)
    _require_moderator(user)
    status = request.GET.get("status", Case.Status.OPEN)
    status = status if status in Case.Status.values or status == "" else Case.Status.OPEN
    reason = request.GET.get("reason", "")
    kind = request.GET.get("kind", "")
    community = None
    if request.GET.get("community"):
        community = content_get_for(slug=request.GET["community"][:80], user=user).community
        if not permissions.moderates(user, community.pk):
            raise NotFound(_("This page does not exist."))
    cases = selectors.queue_for(
        user,
        status=status,
        reason=reason if reason in Reason.values else "",
        kind=kind,
        community_id=community.pk if community else None,
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "moderation/queue.html",
        {
            "page": page,
            "appeals": selectors.appeals_for(user)[:50],
            "community": community,
            "filters": {"status": status, "reason": reason, "kind": kind},
            "statuses": Case.Status.choices,
            "reasons": Reason.choices,
            "kinds": [(entry.kind, entry.label) for entry in reportable.entries()],
            "instance": InstanceSettings.current() if user.is_staff else None,
        },
    )


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    user = person(request)
    _require_moderator(user)
    ids = [int(pk) for pk in request.POST.getlist("cases") if pk.isdigit()][:200]
    cases = list(selectors.queue_for(user, status="").filter(pk__in=ids))
    form = BulkForm(request.POST, case_ids=[case.pk for case in cases])
    if not form.is_valid():
        messages.error(request, _("Choose cases and a decision."))
        return redirect("moderation:queue")
    done = services.bulk_act(
        actor=user,
        cases=[case for case in cases if case.pk in form.cleaned_data["cases"]],
        kind=form.cleaned_data["kind"],
        reason=form.cleaned_data["reason"] or _("Bulk decision by the moderators."),
    )
    messages.success(
        request,
        ngettext("%(count)d case decided.", "%(count)d cases decided.", done) % {"count": done},
    )
    return redirect_back(request, fallback=reverse("moderation:queue"))


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = person(request)
    case = selectors.case_get_for(pk=pk, user=user)
    decision, dispute = DecisionForm(), DisputeForm(initial={"note": _note_of(case)})
    status = 200
    if request.method == "POST":
        section = request.POST.get("section")
        if section == "reopen":
            services.case_reopen(actor=user, case=case)
            messages.success(request, _("The case is open again: you can decide."))
            return redirect("moderation:case", pk=case.pk)
        if section == "dispute":
            dispute = DisputeForm(request.POST)
            if dispute.is_valid():
                services.dispute(actor=user, case=case, note=dispute.cleaned_data["note"])
                messages.success(request, _("Done."))
                return redirect("moderation:case", pk=case.pk)
            status = 400
        else:
            decision = DecisionForm(request.POST)
            status = 400
            if decision.is_valid():
                try:
                    services.act(
                        actor=user,
                        case=case,
                        kind=decision.cleaned_data["kind"],
                        reason=decision.cleaned_data["reason"],
                        days=decision.cleaned_data["days"],
                    )
                except Conflict as conflict:
                    # Another moderator decided first: show what they decided, and why.
                    if wants_json(request):
                        raise
                    messages.error(request, conflict.message)
                    case.refresh_from_db()
                    decision, status = DecisionForm(), conflict.status_code
                else:
                    messages.success(request, _("Decision recorded; the person is told why."))
                    return redirect("moderation:case", pk=case.pk)
    target = target_of(case.target)
    return render(
        request,
        "moderation/case.html",
        {
            "case": case,
            "target": target.obj if target else None,
            "target_url": target.url if target else "",
            "reports": case.reports.select_related("reporter"),
            "auto_hide": selectors.auto_hide_status(case),
            "history": case.actions.select_related("actor").order_by("created_at", "pk"),
            "decision_form": decision,
            "dispute_form": dispute,
            "is_staff": user.is_staff,
        },
        status=status,
    )


def _note_of(case: Case) -> str:
    target = case.target
    return str(getattr(target, "disputed_note", "") or "")


@login_required
@require_http_methods(["GET", "POST"])
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A decision: the person it is about reads why, and may appeal; moderators see appeals."""
    user = person(request)
    action = selectors.action_get_for(pk=pk, user=user)
    mine = action.subject_id == user.pk
    existing = action.appeals.filter(appellant=user).first() if mine else None
    form = AppealForm(request.POST or None)
    if request.method == "POST":
        if not mine:
            raise NotFound(_("This decision does not exist."))
        if form.is_valid():
            services.appeal(appellant=user, action=action, text=form.cleaned_data["text"])
            messages.success(request, _("Your appeal is sent; another moderator will decide."))
            return redirect("moderation:action", pk=action.pk)
        return render(
            request,
            "moderation/action.html",
            {"action": action, "mine": mine, "appeal": existing, "form": form},
            status=400,
        )
    return render(
        request,
        "moderation/action.html",
        {
            "action": action,
            "mine": mine,
            "appeal": existing,
            "form": form,
            "can_appeal": mine and existing is None and action.kind in permissions.APPEALABLE,
            "appeals": action.appeals.all() if not mine else [],
            "decide_form": AppealDecisionForm(),
        },
    )


@login_required
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = person(request)
    appeal = Appeal.objects.select_related("action").filter(pk=pk).first()
    if appeal is None or not permissions.can_decide_appeal(user, appeal):
        raise NotFound(_("This appeal does not exist."))
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("moderation:queue")
    services.appeal_decide(
        actor=user,
        appeal=appeal,
        overturn=form.cleaned_data["overturn"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, _("The appeal is decided; the person is told."))
    return redirect("moderation:queue")


@require_GET
def community_log(request: HttpRequest, slug: str) -> HttpResponse:
    community = content_get_for(slug=slug, user=request.user).community
    page = Paginator(selectors.public_log(community.pk), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "moderation/log.html", {"community": community, "page": page})


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    if not person(request).is_staff:
        raise NotFound(_("This page does not exist."))
    page = Paginator(selectors.audit_log(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "moderation/audit.html", {"page": page})


@login_required
@require_POST
def spam_wave(request: HttpRequest) -> HttpResponse:
    user = person(request)
    if not user.is_staff:
        raise NotFound(_("This page does not exist."))
    services.spam_wave_set(actor=user, hold_new_accounts=request.POST.get("hold") == "on")
    messages.success(request, _("Saved."))
    return redirect("moderation:queue")
