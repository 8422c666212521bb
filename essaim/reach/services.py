"""The planner for a campaign's hosts: a plan is asked here and computed by a background
worker (planning.run)."""

from django.db import transaction
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.campaigns.models import Campaign
from essaim.campaigns.services.campaigns import require_host
from essaim.core.errors import ValidationError
from essaim.reach.models import ReachPlan
from essaim.reach.planning import users_by_handle
from essaim.reach.tasks import run_plan

MAX_K = 100


def plan_create(
    *,
    actor: User,
    campaign: Campaign,
    mode: str,
    model: str,
    k: int,
    epsilon: float,
    scope: str,
    exclude_relayed: bool,
    handles: list[str],
) -> ReachPlan:
    """Ask the planner; the run goes to a background worker once this is committed."""
    require_host(actor, campaign)
    if mode not in ReachPlan.Mode.values or model not in ReachPlan.Model.values:
        raise ValidationError(_("Choose what to compute and a diffusion model."))
    if scope not in ReachPlan.Scope.values:
        raise ValidationError(_("Choose among whom to look."))
    if not 1 <= k <= MAX_K:
        raise ValidationError(_("Ask for 1 to %(max)d relays.") % {"max": MAX_K})
    if not 0.01 <= epsilon <= 0.9:
        raise ValidationError(_("The precision ε must be between 0.01 and 0.9."))
    handles = [h.strip().lstrip("@") for h in handles if h.strip()][:MAX_K]
    if mode == ReachPlan.Mode.ESTIMATE and not handles:
        raise ValidationError(_("Name the relays whose reach to estimate."))
    if scope == ReachPlan.Scope.SHORTLIST and mode == ReachPlan.Mode.OPTIMISE and not handles:
        raise ValidationError(_("Give the shortlist."))
    users_by_handle(handles)
    plan = ReachPlan.objects.create(
        campaign=campaign,
        requested_by=actor,
        mode=mode,
        model=model,
        k=k,
        epsilon=epsilon,
        scope=scope,
        exclude_relayed=exclude_relayed,
        handles=handles,
    )
    transaction.on_commit(lambda: run_plan.enqueue(plan.pk))
    return plan
