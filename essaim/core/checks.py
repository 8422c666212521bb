"""Start-up checks (`manage.py check`, and every migrate and runserver)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from essaim.core.site import site_url_problem


@register()
def check_site_url(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Links in e-mails, QR codes and API answers are built on SITE_URL: an instance that
    does not follow its requests' address (production) must be told its own."""
    if settings.SITE_URL_FROM_REQUEST:
        return []
    value = settings.SITE_URL
    if not value:
        return [
            Error(
                "SITE_URL is not set.",
                hint="Set SITE_URL to the public address, e.g. https://essaim.example.org.",
                id="essaim.E001",
            )
        ]
    problem = site_url_problem(value)
    if problem is not None:
        return [
            Error(
                f"SITE_URL {value!r} is not a usable address: {problem}.",
                hint="Set SITE_URL to the public address, e.g. https://essaim.example.org.",
                id="essaim.E002",
            )
        ]
    return []
