from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.reach.models import ReachPlan


class PlanForm(forms.Form):
    mode = forms.ChoiceField(label=_("Question"), choices=ReachPlan.Mode.choices)
    k = forms.IntegerField(label=_("How many relays"), min_value=1, max_value=100, initial=10)
    scope = forms.ChoiceField(label=_("Look"), choices=ReachPlan.Scope.choices)
    exclude_relayed = forms.BooleanField(
        label=_("Leave out people who already relayed"), required=False, initial=True
    )
    handles = forms.CharField(
        label=_("Relays or shortlist (handles, one per line or separated by commas)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    model = forms.ChoiceField(label=_("Diffusion model"), choices=ReachPlan.Model.choices)
    epsilon = forms.FloatField(
        label=_("Precision ε (smaller: slower, closer to the best)"),
        min_value=0.01,
        max_value=0.9,
        initial=0.1,
    )

    def clean_handles(self) -> list[str]:
        raw = self.cleaned_data["handles"].replace(",", "\n")
        return [line.strip().lstrip("@") for line in raw.splitlines() if line.strip()][:100]
