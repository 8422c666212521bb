"""The load benchmark's floor view: served only when BENCHMARK_FLOOR is on."""

import pytest
from django.test import Client
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.core.models import FloorRow

pytestmark = pytest.mark.django_db


def test_the_floor_is_not_served_unless_the_benchmark_turns_it_on(client: Client) -> None:
    person = UserFactory.create()
    client.force_login(person)
    assert client.post(reverse("core:floor")).status_code == 404
    assert FloorRow.objects.count() == 0


def test_the_floor_commits_one_bare_row_per_logged_in_post(client: Client, settings) -> None:
    settings.BENCHMARK_FLOOR = True
    person = UserFactory.create()
    assert client.post(reverse("core:floor")).status_code == 302  # to the log-in page
    assert client.get(reverse("core:floor")).status_code == 302
    client.force_login(person)
    assert client.get(reverse("core:floor")).status_code == 405
    answers = [client.post(reverse("core:floor")) for _click in range(2)]
    assert [(answer.status_code, answer.content) for answer in answers] == [(200, b"ok")] * 2
    assert list(FloorRow.objects.values_list("user_id", flat=True)) == [person.pk, person.pk]


def test_the_floor_checks_the_csrf_token_like_any_action(settings) -> None:
    settings.BENCHMARK_FLOOR = True
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory.create())
    assert client.post(reverse("core:floor")).status_code == 403
    assert FloorRow.objects.count() == 0
