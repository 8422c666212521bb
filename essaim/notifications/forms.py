from typing import Any

from django import forms

from essaim.notifications.models import Frequency, Notification
from essaim.notifications.selectors import frequencies_allowed


class PreferencesForm(forms.Form):
    """One choice of frequency per kind of notification, named by the kind; a time-sensitive
    kind offers only the frequencies that still help (selectors.TIME_SENSITIVE)."""

    def __init__(self, *args: Any, initial_frequencies: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Frequency.choices)
        for kind in Notification.Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=[(value, labels[value]) for value in frequencies_allowed(kind.value)],
                initial=initial_frequencies.get(kind.value),
                widget=forms.RadioSelect,
            )
