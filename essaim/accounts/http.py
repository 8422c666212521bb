"""Helpers for views of every domain that need the logged-in person."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from essaim.accounts.models import User


def person(request: HttpRequest) -> User:
    """The logged-in person, for views behind login_required (typed for mypy)."""
    assert isinstance(request.user, User)
    return request.user


def export_download(user: User, data: dict[str, Any]) -> HttpResponse:
    """A person's export (`services.user_export`) as a JSON file to download, kept by no
    cache: the account's export and a guest's, from their e-mail's link."""
    filename = f"essaim-{user.handle}-{timezone.now():%Y-%m-%d}.json"
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
