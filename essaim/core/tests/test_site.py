"""The site's public address: links follow how the site is served in development and are
the one checked setting in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error
from django.test import Client
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.services.events import rsvp_create
from essaim.campaigns.tests.factories import EventFactory, PledgeFactory
from essaim.core.checks import check_site_url
from essaim.core.site import absolute_url
from essaim.relay.services import link_for

ROOT = Path(__file__).resolve().parents[3]
SERVED = "127.0.0.1:8200"


@pytest.fixture
def follow_requests(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.SITE_URL_FROM_REQUEST = True
    settings.ALLOWED_HOSTS = ["127.0.0.1"]


def test_outside_a_request_links_use_the_setting(settings) -> None:
    settings.SITE_URL = "https://essaim.example.org/"
    assert absolute_url("/r/abc") == "https://essaim.example.org/r/abc"
    assert absolute_url("https://ailleurs.example/x") == "https://ailleurs.example/x"


@pytest.mark.django_db
def test_pages_api_and_ical_carry_the_address_the_site_is_served_on(follow_requests) -> None:
    event = EventFactory.create()
    PledgeFactory.create(campaign=event.campaign)
    person = UserFactory.create()
    rsvp_create(user=person, event=event)
    code = link_for(user=person, campaign=event.campaign).code
    client = Client(HTTP_HOST=SERVED)
    client.force_login(person)

    page = client.get(event.campaign.get_absolute_url()).content.decode()
    assert f'value="http://{SERVED}/r/{code}"' in page
    assert f'content="http://{SERVED}{event.campaign.get_absolute_url()}"' in page
    assert "127.0.0.1:8000" not in page

    api = client.get(f"/api/v1/campaigns/{event.campaign.slug}/events").json()
    assert [item["url"] for item in api["items"]] == [f"http://{SERVED}{event.get_absolute_url()}"]
    ical = client.get(reverse("campaigns:event_ical", args=[event.campaign.slug, event.pk]))
    assert f"URL:http://{SERVED}{event.get_absolute_url()}" in ical.content.decode()


@pytest.mark.django_db
def test_a_forged_host_never_reaches_a_link(follow_requests) -> None:
    campaign = PledgeFactory.create().campaign
    response = Client(HTTP_HOST="evil.example").get(campaign.get_absolute_url())
    assert response.status_code == 400
    assert b"evil.example" not in response.content


@pytest.mark.parametrize(
    ("value", "error_id"),
    [
        ("", "essaim.E001"),
        ("essaim.example.org", "essaim.E002"),
        ("ftp://essaim.example.org", "essaim.E002"),
        ("https://essaim.example.org/app", "essaim.E002"),
        ("https://essaim.example.org?x=1", "essaim.E002"),
        ("https://essaim.example.org", None),
        ("http://127.0.0.1:8200/", None),
    ],
)
def test_the_start_up_check_of_site_url(settings, value: str, error_id: str | None) -> None:
    settings.SITE_URL = value
    settings.SITE_URL_FROM_REQUEST = False
    errors = check_site_url(None)
    assert [error.id for error in errors] == ([error_id] if error_id else [])
    assert all(isinstance(error, Error) for error in errors)


def _settings_value(module: str, expression: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SITE_URL", "PORT", "SITE_URL_FROM_REQUEST"}
    }
    environment.update(DJANGO_SETTINGS_MODULE=module, **env)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {expression}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_site_url() -> None:
    ran = _settings_value(
        "config.settings.production",
        "from django.core.management import call_command; call_command('check')",
        SECRET_KEY="x" * 50,
    )
    assert ran.returncode != 0
    assert "essaim.E001" in ran.stderr


def test_development_uses_the_port_it_is_served_on() -> None:
    ran = _settings_value(
        "config.settings.local",
        "from django.conf import settings as s; print(s.SITE_URL, s.SITE_URL_FROM_REQUEST)",
        PORT="8200",
    )
    assert ran.stdout.split() == ["http://127.0.0.1:8200", "True"], ran.stderr
