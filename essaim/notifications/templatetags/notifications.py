from django import template

from essaim.notifications.models import Notification
from essaim.notifications.texts import text_of

register = template.Library()


@register.filter
def notification_text(notification: Notification) -> str:
    return text_of(notification)
