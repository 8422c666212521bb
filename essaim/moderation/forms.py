from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.moderation.models import Action, Reason


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why"), choices=Reason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Anything the moderators should know (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


DECISIONS = [
    (Action.Kind.HIDE, _("Hide")),
    (Action.Kind.REMOVE, _("Remove")),
    (Action.Kind.RESTORE, _("Restore")),
    (Action.Kind.WARN, _("Warn the person")),
    (Action.Kind.SUSPEND, _("Suspend the person (admins)")),
    (Action.Kind.BAN_COMMUNITY, _("Ban from the community")),
    (Action.Kind.BAN_INSTANCE, _("Ban from the instance (admins)")),
    (Action.Kind.DISMISS, _("Dismiss the reports")),
]


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Decision"), choices=DECISIONS)
    reason = forms.CharField(
        label=_("Reason (sent to the person)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    days = forms.IntegerField(
        label=_("Days of suspension"), min_value=1, max_value=365, required=False
    )


class DisputeForm(forms.Form):
    note = forms.CharField(
        label=_("Context note shown with the content (empty: remove the label)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why should the decision change?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AppealDecisionForm(forms.Form):
    overturn = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Overturn the decision")), ("0", _("Uphold the decision"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=_("Note to the person"), max_length=2000, required=False)


class BulkForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            (Action.Kind.HIDE, _("Hide")),
            (Action.Kind.REMOVE, _("Remove")),
            (Action.Kind.DISMISS, _("Dismiss")),
        ]
    )
    reason = forms.CharField(max_length=2000, required=False)
    cases = forms.TypedMultipleChoiceField(coerce=int, choices=[])

    def __init__(self, *args: object, case_ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["cases"].choices = [(pk, pk) for pk in case_ids]  # type: ignore[attr-defined]
