"""Fixtures of the API tests: people with tokens, and clients that call as them."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.api import services

ApiCall = Callable[..., Any]


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def make_token(user: User, scope: str = "write", name: str = "script") -> str:
    return services.token_create(user=user, name=name, scope=scope).secret


@pytest.fixture
def person(db: None) -> User:
    return UserFactory.create()


@pytest.fixture
def english_person(db: None) -> User:
    """Someone whose profile language is English: for tests that assert a sentence word for
    word (the site's default language is French)."""
    return UserFactory.create(language="en")


@pytest.fixture
def api_client() -> Client:
    # Exceptions must surface as responses: a 500 is a failure the tests assert on.
    return Client(raise_request_exception=False)


def call(
    client: Client,
    method: str,
    path: str,
    secret: str | None = None,
    data: Any = None,
    **headers: str,
) -> Any:
    """One JSON request to /api/v1`path`, with `secret` as a Bearer token if given."""
    extra = {**(bearer(secret) if secret else {}), **headers}
    sender = getattr(client, method.lower())
    if method.upper() in {"GET", "HEAD"}:
        return sender(f"/api/v1{path}", data or {}, **extra)
    return sender(
        f"/api/v1{path}", data if data is not None else {}, content_type="application/json", **extra
    )
