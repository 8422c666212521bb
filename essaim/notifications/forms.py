from datetime import time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.notifications.models import Frequency, Notification
from essaim.notifications.selectors import frequencies_allowed


def push_field(kind: str) -> str:
    return f"push_{kind}"


class PreferencesForm(forms.Form):
    """One choice of frequency per kind of notification, named by the kind; a time-sensitive
    kind offers only the frequencies that still help (selectors.TIME_SENSITIVE). Beside each,
    whether it is pushed to the person's devices, and their quiet hours."""

    def __init__(
        self,
        *args: Any,
        initial_frequencies: dict[str, str],
        initial_push: set[str] | frozenset[str] = frozenset(),
        quiet: tuple[time, time] = (time(21), time(8)),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Frequency.choices)
        for kind in Notification.Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=[(value, labels[value]) for value in frequencies_allowed(kind.value)],
                initial=initial_frequencies.get(kind.value),
                widget=forms.RadioSelect,
            )
            self.fields[push_field(kind.value)] = forms.BooleanField(
                label=kind.label, required=False, initial=kind.value in initial_push
            )
        self.fields["quiet_from"] = forms.TimeField(
            label=_("Quiet from"),
            required=False,
            initial=quiet[0],
            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        )
        self.fields["quiet_until"] = forms.TimeField(
            label=_("until"),
            required=False,
            initial=quiet[1],
            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        )

    def frequencies(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in Notification.Kind.values}

    def pushed(self) -> set[str]:
        return {kind for kind in Notification.Kind.values if self.cleaned_data[push_field(kind)]}
