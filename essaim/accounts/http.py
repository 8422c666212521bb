"""Helpers for views of every domain that need the logged-in person."""

from django.http import HttpRequest

from essaim.accounts.models import User


def person(request: HttpRequest) -> User:
    """The logged-in person, for views behind login_required (typed for mypy)."""
    assert isinstance(request.user, User)
    return request.user
