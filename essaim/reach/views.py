from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from essaim.accounts.http import person
from essaim.campaigns import selectors as campaign_selectors
from essaim.core.charts import line_chart
from essaim.core.errors import NotFound, ValidationError
from essaim.reach import probabilities, services
from essaim.reach.forms import PlanForm
from essaim.reach.models import ReachPlan


@login_required
@require_http_methods(["GET", "POST"])
def planner(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = campaign_selectors.campaign_hosted_by(slug=slug, user=request.user)
    form = PlanForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                plan = services.plan_create(
                    actor=person(request), campaign=campaign, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error.message)
            else:
                return redirect("reach:plan", slug=campaign.slug, pk=plan.pk)
        status = 400
    plans = ReachPlan.objects.filter(campaign=campaign)[:20]
    return render(
        request,
        "reach/planner.html",
        {"campaign": campaign, "form": form, "plans": plans},
        status=status,
    )


# What the worker is doing, as the plan's page says it.
PHASES: dict[str, Promise] = {
    "graph": gettext_lazy("Reading who follows whom"),
    "sampling": gettext_lazy("Drawing random samples of the network"),
    "selection": gettext_lazy("Choosing the relays"),
    "estimate": gettext_lazy("Measuring their reach"),
    "check": gettext_lazy("Checking by simulation"),
}


def _answer(result: dict[str, Any]) -> dict[str, Any]:
    """What the page shows, in whole people and in one piece: the curve rounded once, each
    gain the step between two of its points — so the gains add up to the headline, which is
    the curve's last point, exactly as shown."""
    curve = [round(float(value)) for value in result.get("curve", [])]
    gains = [b - a for a, b in zip([0, *curve], curve, strict=False)]
    relays = [
        {**relay, "shown_gain": gain}
        for relay, gain in zip(result.get("relays", []), gains, strict=False)
    ]
    certified = result.get("certified")
    return {
        "curve": curve,
        "relays": relays,
        "reach": curve[-1] if curve else round(float(result.get("reach", 0))),
        "certified": round(100 * certified) if certified is not None else None,
        "confidence": round(100 * result["confidence"]) if result.get("confidence") else None,
        "check": result.get("check"),
    }


@login_required
@require_GET
def plan_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = campaign_selectors.campaign_hosted_by(slug=slug, user=request.user)
    plan = ReachPlan.objects.filter(campaign=campaign, pk=pk).first()
    if plan is None:
        raise NotFound(_("This plan does not exist."))
    answer = _answer(plan.result if isinstance(plan.result, dict) else {})
    curve = answer["curve"]
    chart = line_chart(
        _("Expected reach against the number of relays"),
        [str(i) for i in range(1, len(curve) + 1)],
        [float(v) for v in curve],
    )
    scheme = plan.result.get("scheme", "") if isinstance(plan.result, dict) else ""
    template = "reach/_plan.html" if request.headers.get("HX-Request") else "reach/plan.html"
    return render(
        request,
        template,
        {
            "campaign": campaign,
            "plan": plan,
            "answer": answer,
            "phase": PHASES.get(plan.phase, ""),
            "chart": chart,
            "scheme": probabilities.SCHEME_LABELS.get(scheme, scheme),
        },
    )
