"""Writes on people: creation, profile, follows, export, deletion."""

import secrets

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from essaim.accounts.models import User


def handle_for(display_name: str) -> str:
    """A free public handle derived from the display name — never from the e-mail address."""
    base = (slugify(display_name) or "membre")[:30]
    candidate = base
    while User.objects.filter(handle=candidate).exists():
        candidate = f"{base}-{secrets.token_hex(2)}"
    return candidate


def user_create(
    *,
    email: str,
    password: str | None,
    display_name: str,
    language: str = "fr",
    city: str = "",
    bio: str = "",
) -> User:
    display_name = display_name.strip()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return User.objects.create_user(
                    email=email,
                    password=password,
                    display_name=display_name,
                    handle=handle_for(display_name),
                    language=language,
                    city=city,
                    bio=bio,
                )
        except IntegrityError:
            # Two sign-ups raced for the same handle; the e-mail uniqueness is re-checked too.
            if User.objects.filter(email__iexact=email).exists():
                raise
    raise IntegrityError("could not allocate a unique handle")
