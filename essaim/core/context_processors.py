from typing import Any

from django.conf import settings
from django.http import HttpRequest


def essaim(request: HttpRequest) -> dict[str, Any]:
    return {"SITE_URL": settings.SITE_URL}
