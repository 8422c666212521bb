"""Personal access tokens: the services, and the profile page that creates and revokes them."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.services import user_delete
from essaim.accounts.tests.factories import UserFactory
from essaim.api import services
from essaim.api.api import api
from essaim.api.auth import READ, SessionAuth
from essaim.api.models import AccessToken
from essaim.core.errors import Conflict, NotFound, ValidationError
from essaim.core.tests.concurrency import run_together

pytestmark = pytest.mark.django_db


def test_only_a_hash_of_the_secret_is_stored(person):
    created = services.token_create(user=person, name="laptop", scope="read")
    token = AccessToken.objects.get()
    assert created.secret.startswith("essaim_")
    assert len(created.secret) > 40
    assert token.secret_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    assert token.prefix == created.secret[: services.PREFIX_LENGTH]
    stored = [str(value) for value in AccessToken.objects.values_list().get()]
    assert created.secret not in stored


def test_a_secret_authenticates_its_token_and_records_its_use(person):
    created = services.token_create(user=person, name="laptop", scope="write")
    token = services.token_authenticate(secret=created.secret)
    assert token is not None and token.pk == created.token.pk and token.user == person
    assert AccessToken.objects.get().last_used_at is not None
    assert services.token_authenticate(secret=created.secret + "x") is None
    assert services.token_authenticate(secret="not-a-token") is None
    assert services.token_authenticate(secret="essaim_" + "a" * 500) is None


def test_names_are_unique_among_live_tokens_and_a_revoked_one_frees_its_name(person):
    first = services.token_create(user=person, name="laptop", scope="read")
    with pytest.raises(Conflict):
        services.token_create(user=person, name="laptop", scope="write")
    services.token_create(user=UserFactory.create(), name="laptop", scope="read")
    services.token_revoke(actor=person, token=first.token)
    services.token_create(user=person, name="laptop", scope="write")
    assert AccessToken.objects.filter(user=person).count() == 2


@pytest.mark.parametrize(
    ("name", "scope"), [("", "read"), ("   ", "write"), ("x" * 61, "read"), ("ok", "admin")]
)
def test_invalid_names_and_scopes_are_refused(person, name, scope):
    with pytest.raises(ValidationError):
        services.token_create(user=person, name=name, scope=scope)
    assert not AccessToken.objects.exists()


def test_a_revoked_token_no_longer_authenticates(person):
    created = services.token_create(user=person, name="laptop", scope="read")
    services.token_revoke(actor=person, token=created.token)
    services.token_revoke(actor=person, token=created.token)  # twice: harmless
    assert services.token_authenticate(secret=created.secret) is None


def test_only_the_owner_revokes(person):
    created = services.token_create(user=person, name="laptop", scope="read")
    with pytest.raises(NotFound):
        services.token_revoke(actor=UserFactory.create(), token=created.token)
    assert AccessToken.objects.get().revoked_at is None


@pytest.mark.parametrize(
    "sanction",
    [
        {"is_active": False},
        {"banned_at": timezone.now(), "is_active": False},
        {"deleted_at": timezone.now()},
    ],
)
def test_tokens_of_banned_inactive_or_deleted_accounts_stop_working(person, sanction):
    created = services.token_create(user=person, name="laptop", scope="write")
    type(person).objects.filter(pk=person.pk).update(**sanction)
    assert services.token_authenticate(secret=created.secret) is None


def test_deleting_the_account_deletes_its_tokens(person):
    created = services.token_create(user=person, name="laptop", scope="write")
    user_delete(user=person)
    assert not AccessToken.objects.exists()
    assert services.token_authenticate(secret=created.secret) is None


def test_last_use_is_written_at_most_once_a_minute(person, django_assert_num_queries):
    created = services.token_create(user=person, name="laptop", scope="read")
    services.token_authenticate(secret=created.secret)
    with django_assert_num_queries(1):  # the read alone
        services.token_authenticate(secret=created.secret)
    AccessToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    with django_assert_num_queries(2):
        services.token_authenticate(secret=created.secret)


def test_at_most_twenty_live_tokens_and_a_revoked_one_frees_a_place(person):
    created = [
        services.token_create(user=person, name=f"t{number}", scope="read")
        for number in range(services.MAX_LIVE_TOKENS)
    ]
    with pytest.raises(ValidationError) as refused:
        services.token_create(user=person, name="one more", scope="read")
    assert refused.value.message == "You have 20 tokens: revoke one before creating another."
    services.token_revoke(actor=person, token=created[0].token)
    services.token_create(user=person, name="one more", scope="read")
    assert AccessToken.objects.filter(user=person, revoked_at__isnull=True).count() == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_creating_tokens_at_once_never_passes_the_cap():
    person = UserFactory.create()
    for number in range(services.MAX_LIVE_TOKENS - 2):
        services.token_create(user=person, name=f"t{number}", scope="read")

    def create(number: int) -> bool:
        try:
            services.token_create(user=person, name=f"at once {number}", scope="read")
        except ValidationError:
            return False
        return True

    results = run_together(*[lambda number=number: create(number) for number in range(10)])

    assert sorted(results) == [False] * 8 + [True] * 2
    assert AccessToken.objects.filter(user=person, revoked_at__isnull=True).count() == 20


def test_the_session_cookie_name_is_read_when_used(person, settings):
    settings.SESSION_COOKIE_NAME = "essaim_session"
    session_auth = next(auth for auth in READ if isinstance(auth, SessionAuth))
    assert session_auth.param_name == "essaim_session"
    schemes = api.get_openapi_schema(path_prefix="/api/v1/")["components"]["securitySchemes"]
    assert schemes["SessionAuth"] == {"type": "apiKey", "in": "cookie", "name": "essaim_session"}
    client = Client()
    client.force_login(person)
    assert "essaim_session" in client.cookies
    assert client.get("/api/v1/me").json()["handle"] == person.handle


# The profile page ------------------------------------------------------------------------


def _secret_in(html: str) -> str | None:
    found = re.search(r'value="(essaim_[A-Za-z0-9_-]+)"', html)
    return found.group(1) if found else None


def test_the_page_needs_a_log_in(client):
    response = client.get(reverse("tokens:list"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_creating_a_token_shows_the_secret_once_then_lists_its_prefix(client, person):
    client.force_login(person)
    response = client.post(reverse("tokens:list"), {"name": "Script", "scope": "write"})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    secret = _secret_in(response.content.decode())
    assert secret is not None
    assert services.token_authenticate(secret=secret).scope == "write"  # type: ignore[union-attr]
    page = client.get(reverse("tokens:list")).content.decode()
    assert secret not in page
    assert secret[: services.PREFIX_LENGTH] in page
    assert "Script" in page


def test_a_duplicate_name_is_a_form_error(client, person):
    client.force_login(person)
    services.token_create(user=person, name="Script", scope="read")
    response = client.post(reverse("tokens:list"), {"name": "Script", "scope": "read"})
    assert response.status_code == 409
    assert _secret_in(response.content.decode()) is None
    assert AccessToken.objects.count() == 1


def test_revoking_from_the_page(client, person):
    client.force_login(person)
    created = services.token_create(user=person, name="Script", scope="read")
    response = client.post(reverse("tokens:revoke", kwargs={"pk": created.token.pk}))
    assert response.status_code == 302
    assert AccessToken.objects.get().revoked_at is not None


def test_nobody_revokes_or_sees_someone_elses_token(client, person):
    created = services.token_create(user=person, name="Secret script", scope="write")
    client.force_login(UserFactory.create())
    response = client.post(reverse("tokens:revoke", kwargs={"pk": created.token.pk}))
    assert response.status_code == 404
    assert AccessToken.objects.get().revoked_at is None
    assert "Secret script" not in client.get(reverse("tokens:list")).content.decode()


def test_the_forms_need_the_csrf_token(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    response = client.post(reverse("tokens:list"), {"name": "Script", "scope": "write"})
    assert response.status_code == 403
    assert not AccessToken.objects.exists()


def test_the_settings_page_links_to_the_tokens(client, person):
    client.force_login(person)
    assert reverse("tokens:list") in client.get(reverse("accounts:settings")).content.decode()
