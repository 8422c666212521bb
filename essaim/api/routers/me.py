"""Who the caller is, and with which token."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from essaim.api import presenters, schemas
from essaim.api.auth import SIGNED_IN, caller_of

router = Router(tags=["me"])


@router.get("/me", response={200: schemas.Me, **schemas.ERRORS}, auth=SIGNED_IN)
def me(request: HttpRequest) -> dict[str, Any]:
    caller = caller_of(request)
    user = caller.user
    token = caller.token
    return {
        **presenters.person(user),  # type: ignore[arg-type]
        "email": user.email,  # type: ignore[union-attr]
        "language": user.language,  # type: ignore[union-attr]
        "token": (
            {"name": token.name, "scope": token.scope, "prefix": token.prefix} if token else None
        ),
    }
