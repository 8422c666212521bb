from typing import Any

from django import forms

from essaim.notifications.models import Frequency, Notification


class PreferencesForm(forms.Form):
    """One choice of frequency per kind of notification, named by the kind."""

    def __init__(self, *args: Any, initial_frequencies: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Notification.Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Frequency.choices,
                initial=initial_frequencies.get(kind.value),
                widget=forms.RadioSelect,
            )
