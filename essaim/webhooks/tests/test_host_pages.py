"""The hosts' webhook pages: who reaches them, registering, pinging, the log, rotating the
secret, refused addresses, and the widget's snippet."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Campaign, CampaignHost
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.communities.models import Membership
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory
from essaim.core.models import OutboxMessage
from essaim.relay.services import link_for
from essaim.webhooks.models import Delivery, Endpoint
from essaim.webhooks.services import endpoints as services
from essaim.webhooks.tests.receiver import running_receiver


def host_pages(campaign, endpoint_pk, off_endpoint_pk, delivery_pk):
    slug = campaign.slug
    return [
        ("get", reverse("webhooks:list", args=[slug])),
        ("post", reverse("webhooks:list", args=[slug])),
        ("get", reverse("webhooks:endpoint", args=[slug, endpoint_pk])),
        ("post", reverse("webhooks:ping", args=[slug, endpoint_pk])),
        ("post", reverse("webhooks:enable", args=[slug, off_endpoint_pk])),
        ("post", reverse("webhooks:rotate", args=[slug, endpoint_pk])),
        ("post", reverse("webhooks:delete", args=[slug, endpoint_pk])),
        ("post", reverse("webhooks:redeliver", args=[slug, delivery_pk])),
        ("get", reverse("webhooks:widget", args=[slug])),
    ]


def person_as(role, campaign):
    """Someone in `role` towards `campaign`'s hosting, or None for an anonymous visitor."""
    user = UserFactory.create()
    if role == "anonymous":
        return None
    if role == "host of another campaign":
        return CampaignFactory.create().created_by
    if role in ("co-host", "invited co-host"):
        status = CampaignHost.Status.ACCEPTED if role == "co-host" else CampaignHost.Status.INVITED
        CampaignHost.objects.create(campaign=campaign, user=user, status=status)
    if role in ("member of a hosting community", "moderator of a hosting community"):
        community = CommunityFactory.create()
        CampaignHost.objects.create(
            campaign=campaign, community=community, status=CampaignHost.Status.ACCEPTED
        )
        moderator = role.startswith("moderator")
        MembershipFactory.create(
            community=community,
            user=user,
            role=Membership.Role.MODERATOR if moderator else Membership.Role.MEMBER,
        )
    return user


def webhooks_state():
    return (
        list(
            Endpoint.objects.order_by("pk").values_list(
                "pk", "url", "events", "active", "secret", "previous_secret"
            )
        ),
        list(
            Delivery.objects.order_by("pk").values_list(
                "pk", "message__state", "message__attempts", "message__due_at"
            )
        ),
    )


def set_up_webhooks(campaign, receiver):
    """As the campaign's creator: an endpoint with a delivered ping, and one turned off."""
    endpoint, _created = services.endpoint_create(
        actor=campaign.created_by,
        campaign=campaign,
        url=receiver.url,
        events=["signature.created"],
    )
    receiver.secret = endpoint.secret
    ping = services.endpoint_ping(actor=campaign.created_by, endpoint=endpoint, key=uuid.uuid4())
    off, _created = services.endpoint_create(
        actor=campaign.created_by,
        campaign=campaign,
        url=receiver.url + "/off",
        events=["signature.created"],
    )
    Endpoint.objects.filter(pk=off.pk).update(active=False)
    assert Delivery.objects.select_related("message").get(pk=ping.pk).status == "succeeded"
    return endpoint, off, ping


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "role",
    [
        "anonymous",
        "outsider",
        "host of another campaign",
        "member of a hosting community",
        "invited co-host",
    ],
)
def test_only_hosts_reach_the_webhook_pages_and_nothing_changes(client, campaign, role):
    with running_receiver() as receiver:
        endpoint, off, ping = set_up_webhooks(campaign, receiver)
        user = person_as(role, campaign)
        if user is not None:
            client.force_login(user)
        before = webhooks_state()
        for method, url in host_pages(campaign, endpoint.pk, off.pk, ping.pk):
            data = {"url": receiver.url + "/new", "events": ["rsvp.created"], "key": uuid.uuid4()}
            response = getattr(client, method)(url, data)
            expected = 302 if role == "anonymous" else 404
            assert response.status_code == expected, (method, url)
            assert endpoint.secret not in response.content.decode()
        assert webhooks_state() == before
        assert len(receiver.received) == 1  # the creator's ping only


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["co-host", "moderator of a hosting community"])
def test_every_host_manages_the_webhooks(client, campaign, role):
    with running_receiver() as receiver:
        endpoint, _off, ping = set_up_webhooks(campaign, receiver)
        client.force_login(person_as(role, campaign))
        page = client.get(reverse("webhooks:endpoint", args=[campaign.slug, endpoint.pk]))
        assert page.status_code == 200 and endpoint.secret in page.content.decode()
        client.post(reverse("webhooks:redeliver", args=[campaign.slug, ping.pk]))
        assert len(receiver.received) == 2 and receiver.received[1].verified
        client.post(reverse("webhooks:rotate", args=[campaign.slug, endpoint.pk]))
        assert Endpoint.objects.get(pk=endpoint.pk).secret != endpoint.secret


@pytest.mark.django_db(transaction=True)
def test_a_host_registers_pings_and_reads_the_log(client, campaign):
    client.force_login(campaign.created_by)
    with running_receiver() as receiver:
        response = client.post(
            reverse("webhooks:list", args=[campaign.slug]),
            {"url": receiver.url, "events": ["signature.created", "rsvp.created"]},
        )
        endpoint = Endpoint.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "webhooks:endpoint", args=[campaign.slug, endpoint.pk]
        )
        receiver.secret = endpoint.secret
        page = client.get(response["Location"])
        assert endpoint.secret in page.content.decode()
        form_key = page.context["ping_form"]["key"].value()
        for _n in range(2):  # a double click is one ping
            client.post(
                reverse("webhooks:ping", args=[campaign.slug, endpoint.pk]), {"key": form_key}
            )
        assert len(receiver.received) == 1 and receiver.received[0].verified
        log = client.get(reverse("webhooks:endpoint", args=[campaign.slug, endpoint.pk]))
        body = log.content.decode()
        assert 'data-status="succeeded"' in body and 'data-event="ping"' in body
        delivery = Delivery.objects.get()
        client.post(reverse("webhooks:redeliver", args=[campaign.slug, delivery.pk]))
        assert len(receiver.received) == 2
        client.post(reverse("webhooks:delete", args=[campaign.slug, endpoint.pk]))
        assert not Endpoint.objects.exists()


@pytest.mark.django_db
def test_registering_an_address_again_updates_its_events(client, campaign):
    client.force_login(campaign.created_by)
    url = reverse("webhooks:list", args=[campaign.slug])
    with running_receiver() as receiver:
        client.post(url, {"url": receiver.url, "events": ["signature.created"]})
        response = client.post(
            url,
            {"url": receiver.url, "events": ["rsvp.created", "donation.succeeded"]},
            follow=True,
        )
    endpoint = Endpoint.objects.get()
    assert endpoint.event_list == ["rsvp.created", "donation.succeeded"]
    *_first, message = [str(m) for m in response.context["messages"]]
    with translation.override("fr"):
        assert message == translation.gettext(
            "This address was registered already: its events are updated."
        )


def _endpoint_of_a_gone_receiver(campaign: Campaign) -> Endpoint:
    """An endpoint registered while its receiver answered (registering pings it), whose
    receiver has stopped since."""
    with running_receiver() as receiver:
        endpoint, _created = services.endpoint_create(
            actor=campaign.created_by,
            campaign=campaign,
            url=receiver.url,
            events=["signature.created"],
        )
    return endpoint


@pytest.mark.django_db
def test_the_secret_is_rotated_by_a_post_with_csrf_and_never_cached(campaign):
    client = Client(enforce_csrf_checks=True)
    client.force_login(campaign.created_by)
    endpoint = _endpoint_of_a_gone_receiver(campaign)
    detail = reverse("webhooks:endpoint", args=[campaign.slug, endpoint.pk])
    rotate = reverse("webhooks:rotate", args=[campaign.slug, endpoint.pk])
    page = client.get(detail)
    assert "no-store" in page["Cache-Control"]
    assert 'data-testid="previous-secret"' not in page.content.decode()
    assert client.get(rotate).status_code == 405
    assert client.post(rotate).status_code == 403  # no CSRF token
    assert Endpoint.objects.get().secret == endpoint.secret
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    response = client.post(rotate, {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302 and response["Location"] == detail
    assert "no-store" in response["Cache-Control"]
    rotated = Endpoint.objects.get()
    assert rotated.secret != endpoint.secret and rotated.previous_secret == endpoint.secret
    shown = client.get(detail).content.decode()
    assert rotated.secret in shown and 'data-testid="previous-secret"' in shown
    assert endpoint.secret not in shown  # the previous secret is never shown again


@pytest.mark.django_db
def test_the_log_shows_one_generic_message_when_there_was_no_answer(client, campaign):
    client.force_login(campaign.created_by)
    endpoint = _endpoint_of_a_gone_receiver(campaign)
    # Written before the transport stopped telling why (the log was a port scanner).
    old = Delivery.objects.create(
        endpoint=endpoint,
        event_id="ping:old",
        event_type="ping",
        error="refused address 10.0.0.1",
    )
    failed = OutboxMessage.objects.create(
        channel="webhook", payload={"delivery": old.pk}, state="pending", attempts=1
    )
    Delivery.objects.filter(pk=old.pk).update(message=failed)
    page = client.get(reverse("webhooks:endpoint", args=[campaign.slug, endpoint.pk]))
    body = page.content.decode()
    assert 'data-testid="no-answer"' in body and "10.0.0.1" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.216.34/", "https://"),
        ("https://10.0.0.8/hook", "réseau privé ou local"),  # the page is in French
    ],
)
def test_refused_addresses_are_form_errors(client, campaign, url, message, settings):
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = []
    client.force_login(campaign.created_by)
    response = client.post(
        reverse("webhooks:list", args=[campaign.slug]),
        {"url": url, "events": ["signature.created"]},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Endpoint.objects.exists()


@pytest.mark.django_db
def test_the_campaign_page_links_hosts_to_webhooks_and_the_widget(client, campaign):
    client.force_login(campaign.created_by)
    body = client.get(campaign.get_absolute_url()).content.decode()
    assert reverse("webhooks:list", args=[campaign.slug]) in body
    assert reverse("webhooks:widget", args=[campaign.slug]) in body
    client.force_login(UserFactory.create())
    body = client.get(campaign.get_absolute_url()).content.decode()
    assert reverse("webhooks:list", args=[campaign.slug]) not in body


@pytest.mark.django_db
def test_the_snippet_carries_the_hosts_own_share_code(client, campaign, settings):
    # The instance's public address, not the Host header the request came with.
    settings.SITE_URL = "https://essaim.example.org"
    client.force_login(campaign.created_by)
    response = client.get(reverse("webhooks:widget", args=[campaign.slug]))
    code = link_for(user=campaign.created_by, campaign=campaign).code
    embed = reverse("embed:widget", args=[campaign.slug])
    assert f"https://essaim.example.org{embed}?via={code}" in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
