from typing import Any

from django.conf import settings
from django.http import HttpRequest

from essaim.core.pagecache import is_shared
from essaim.core.site import site_origin


def essaim(request: HttpRequest) -> dict[str, Any]:
    # `shared_page`: the page is rendered once for every anonymous visitor
    # (essaim.core.pagecache), so it must hold no one's CSRF token (base.html).
    return {
        "SITE_URL": site_origin(),
        "SITE_NAME": settings.SITE_NAME,
        "shared_page": is_shared(request),
    }
