"""`{% load messaging %}{% message_start_form person %}`: a "write to this person" form that
other domains (profiles, aid listings) can drop into their pages."""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from essaim.accounts.models import User
from essaim.messaging.forms import ConversationStartForm
from essaim.messaging.permissions import can_message

register = template.Library()


@register.simple_tag(takes_context=True)
def message_start_form(context: template.Context, recipient: User, listing: Any = None) -> str:
    """Renders nothing when the viewer cannot write to `recipient` (anonymous, oneself, closed
    account), so the caller needs no condition of its own."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if viewer is None or not can_message(viewer, recipient):
        return SafeString("")
    form = ConversationStartForm(
        initial={"recipient": recipient.handle, "listing": listing.pk if listing else None}
    )
    return render_to_string(
        "messaging/start.html#start-form",
        {"form": form, "recipient": recipient},
        request=request,
    )
