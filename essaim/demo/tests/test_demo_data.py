from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from essaim.accounts.models import User, UserFollow

pytestmark = pytest.mark.django_db


def _load(**options) -> str:
    out = StringIO()
    call_command("demo_data", stdout=out, **options)
    return out.getvalue()


def _snapshot() -> list[tuple[str, str, int]]:
    return [
        (user.display_name, user.city, user.following_links.count())
        for user in User.objects.order_by("pk")[:40]
    ]


def test_demo_is_deterministic_and_idempotent():
    with transaction.atomic():
        _load(people=120)
        first = _snapshot()
        transaction.set_rollback(True)
    assert not User.objects.exists()
    _load(people=120)
    assert _snapshot() == first
    follows = UserFollow.objects.count()
    out = _load(people=120)
    assert "already loaded" in out
    assert User.objects.count() == 120 and UserFollow.objects.count() == follows
