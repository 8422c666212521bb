"""Forms only parse input; the rules on bodies and recipients live in services."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.messaging.models import MESSAGE_BODY_MAX_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        # max_length only sets the textarea's maxlength; the service checks the length again.
        max_length=MESSAGE_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("A message cannot be empty.")},
    )
    # A fresh key each time the form renders (a callable initial is evaluated per rendering);
    # a double submit of that rendering repeats it.
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)


class ConversationStartForm(MessageForm):
    recipient = forms.SlugField(
        label=_("To (handle)"),
        max_length=40,
        error_messages={"required": _("Say whom the message is for.")},
    )
    listing = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    field_order = ["recipient", "body", "idempotency_key", "listing"]
