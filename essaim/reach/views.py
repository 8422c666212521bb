from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
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


@login_required
@require_GET
def plan_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = campaign_selectors.campaign_hosted_by(slug=slug, user=request.user)
    plan = ReachPlan.objects.filter(campaign=campaign, pk=pk).first()
    if plan is None:
        raise NotFound(_("This plan does not exist."))
    curve = plan.result.get("curve", []) if isinstance(plan.result, dict) else []
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
            "chart": chart,
            "scheme": probabilities.SCHEME_LABELS.get(scheme, scheme),
        },
    )
