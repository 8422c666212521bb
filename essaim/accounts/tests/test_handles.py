"""Every account has a handle, however it was made: profile links on every page reverse it."""

from collections.abc import Iterator

import pytest
from allauth.account.adapter import get_adapter
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from essaim.accounts.models import User
from essaim.accounts.services import guest_for
from essaim.core import names
from essaim.core.tests.migrations import back_to_latest

PASSWORD = "un-mot-de-passe-solide-2026"


@pytest.mark.django_db
def test_an_admin_made_by_createsuperuser_has_a_handle_and_reads_moderation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "motdepasse-solide-42")
    call_command("createsuperuser", "--noinput", "--email", "admin@exemple.test", verbosity=0)
    admin = User.objects.get(email="admin@exemple.test")
    assert admin.handle == "membre"
    client = Client()
    client.force_login(admin)
    for name in ("moderation:queue", "moderation:audit"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert f'href="/people/{admin.handle}/"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("display_name", "expected"), [("Zoé Martin", "zoe-martin"), ("", "membre"), ("me", "me-")]
)
def test_a_person_built_by_hand_gets_a_free_handle_on_save(
    display_name: str, expected: str
) -> None:
    user = User(email=f"{expected}@exemple.test", display_name=display_name)
    user.save()
    assert user.handle.startswith(expected)
    assert User.objects.get(pk=user.pk).handle == user.handle


@pytest.mark.django_db
def test_a_second_person_with_the_same_name_gets_another_handle() -> None:
    first = User.objects.create_user("a@exemple.test", display_name="Zoé")
    second = User.objects.create_user("b@exemple.test", display_name="Zoé")
    assert first.handle == "zoe"
    assert second.handle.startswith("zoe-")


@pytest.fixture
def a_namesake_signs_up_meanwhile(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[User]]:
    """Someone of the same name is written between the look for a free handle and the save:
    the window in which two sign-ups of one name race. The first look finds the name's handle
    free, then the namesake takes it (the list holds them)."""
    look = names.is_taken_elsewhere
    namesakes: list[User] = []

    def then_taken(candidate: str) -> bool:
        free = look(candidate)
        if not namesakes:
            namesakes.append(
                User.objects.create(
                    email="homonyme@exemple.test", display_name="Zoé", handle=candidate
                )
            )
        return free

    monkeypatch.setattr(names, "is_taken_elsewhere", then_taken)
    yield namesakes


@pytest.mark.django_db
def test_a_sign_up_that_loses_its_handle_to_a_namesake_takes_another(
    client: Client, a_namesake_signs_up_meanwhile: list[User]
) -> None:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "zoe@exemple.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": "Zoé",
        },
    )

    assert response.status_code == 302
    [namesake] = a_namesake_signs_up_meanwhile
    person = User.objects.get(email="zoe@exemple.test")
    assert namesake.handle == "zoe"
    assert person.handle.startswith("zoe-") and person.check_password(PASSWORD)


@pytest.mark.django_db
def test_a_guest_choosing_a_password_while_a_namesake_signs_up_gets_another_handle(
    a_namesake_signs_up_meanwhile: list[User],
) -> None:
    guest, _new = guest_for(email="zoe@exemple.test", display_name="Zoé")

    get_adapter().set_password(guest, PASSWORD)

    [namesake] = a_namesake_signs_up_meanwhile
    guest.refresh_from_db()
    assert namesake.handle == "zoe"
    assert guest.handle.startswith("zoe-") and not guest.is_guest
    assert guest.check_password(PASSWORD)


@pytest.mark.django_db
def test_an_address_already_taken_is_refused_not_retried_with_other_handles() -> None:
    User.objects.create_user("zoe@exemple.test", display_name="Zoé")
    twin = User(email="zoe@exemple.test", display_name="Zoé")

    with pytest.raises(IntegrityError):
        twin.save()

    assert twin.pk is None and User.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_accounts_without_a_handle_one() -> None:
    with back_to_latest():
        executor = MigrationExecutor(connection)
        before = [("accounts", "0002_user_banned_at_user_email_canonical_and_more")]
        after = [("accounts", "0003_user_handle_not_empty")]
        executor.migrate(before)
        old_user = executor.loader.project_state(before).apps.get_model("accounts", "User")
        # The handle is unique, so at most one account can have gone without one.
        old_user.objects.create(email="x@exemple.test", password="!", display_name="", handle="")
        old_user.objects.create(email="y@exemple.test", password="!", handle="membre")
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        # Read as the table is at that migration: later ones add columns.
        migrated = executor.loader.project_state(after).apps.get_model("accounts", "User")
        assert migrated.objects.get(email="x@exemple.test").handle.startswith("membre-")
