import re
import uuid
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.attribution import SESSION_KEY
from essaim.campaigns.guest_forms import started_token
from essaim.campaigns.models import Campaign, CampaignHost, GuestAction, Signature
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.communities.models import Membership
from essaim.communities.tests.factories import CommunityFactory, MembershipFactory
from essaim.core import reportable
from essaim.core.models import OutboxMessage
from essaim.relay.models import LinkVisit
from essaim.relay.services import link_for
from essaim.webhooks.embed import EMBED_CONTENT_SECURITY_POLICY
from essaim.webhooks.models import Delivery, Endpoint
from essaim.webhooks.services import endpoints as services
from essaim.webhooks.tests.receiver import running_receiver


@pytest.fixture
def campaign(db):
    return PledgeFactory.create().campaign


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


@pytest.mark.django_db
def test_the_secret_is_rotated_by_a_post_with_csrf_and_never_cached(campaign):
    client = Client(enforce_csrf_checks=True)
    client.force_login(campaign.created_by)
    with running_receiver() as receiver:
        endpoint, _created = services.endpoint_create(
            actor=campaign.created_by,
            campaign=campaign,
            url=receiver.url,
            events=["signature.created"],
        )
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
    with running_receiver() as receiver:
        endpoint, _created = services.endpoint_create(
            actor=campaign.created_by,
            campaign=campaign,
            url=receiver.url,
            events=["signature.created"],
        )
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


@pytest.mark.django_db
def test_only_the_embed_views_may_be_framed_by_other_sites(client, campaign):
    response = client.get(reverse("embed:widget", args=[campaign.slug]))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == EMBED_CONTENT_SECURITY_POLICY
    assert "frame-ancestors *" in EMBED_CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in EMBED_CONTENT_SECURITY_POLICY
    for path in (campaign.get_absolute_url(), reverse("campaigns:list")):
        other = client.get(path)
        assert other["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in other["Content-Security-Policy"]
    missing = client.get(reverse("embed:widget", args=["nexiste-pas"]))
    assert missing.status_code == 404 and "X-Frame-Options" not in missing


@pytest.mark.django_db
def test_the_widget_shows_progress_and_sends_anonymous_visitors_through_the_link(client, campaign):
    FundraiserFactory.create(campaign=campaign)
    code = link_for(user=campaign.created_by, campaign=campaign).code
    response = client.get(reverse("embed:widget", args=[campaign.slug]), {"via": code})
    body = response.content.decode()
    assert 'data-testid="widget-count">0<' in body
    assert 'data-testid="widget-raised"' in body
    assert f'href="{reverse("relay:go", args=[code])}#pledge" target="_blank"' in body
    assert 'data-testid="widget-sign"' not in body
    # A code of another campaign, or none, leads to the campaign itself.
    other_code = link_for(user=campaign.created_by, campaign=CampaignFactory.create()).code
    body = client.get(
        reverse("embed:widget", args=[campaign.slug]), {"via": other_code}
    ).content.decode()
    assert f'href="{campaign.get_absolute_url()}#pledge"' in body


@pytest.mark.django_db
def test_drafts_do_not_show_in_the_widget(client):
    draft = CampaignFactory.create(status=Campaign.Status.DRAFT)
    assert client.get(reverse("embed:widget", args=[draft.slug])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fetch_site", "in_place"),
    [
        ("same-origin", True),
        ("none", True),
        ("cross-site", False),
        ("same-site", False),  # another subdomain: it gets the cookies, not the button
        (None, False),
    ],
)
def test_the_one_click_button_only_shows_in_this_sites_own_frames(
    client, campaign, fetch_site, in_place
):
    client.force_login(UserFactory.create())
    headers = {"Sec-Fetch-Site": fetch_site} if fetch_site else {}
    page = client.get(reverse("embed:widget", args=[campaign.slug]), headers=headers)
    body = page.content.decode()
    assert ('data-testid="widget-sign"' in body) is in_place
    assert ("csrfmiddlewaretoken" in body) is in_place
    assert 'data-testid="widget-join"' not in body  # logged in: no sign-up form
    assert "private" in page["Cache-Control"] and "public" not in page["Cache-Control"]


@pytest.mark.django_db
def test_signing_in_place_takes_the_token_of_a_page_with_the_button(campaign):
    """The POST comes from the widget's own frame, always same-origin: what guards it is the
    CSRF token, which only a page rendered with the button carries."""
    client = Client(enforce_csrf_checks=True)
    supporter = UserFactory.create()
    client.force_login(supporter)
    code = link_for(user=campaign.created_by, campaign=campaign).code
    sign = reverse("embed:sign", args=[campaign.slug])
    refused = client.post(sign, {"via": code}, headers={"Sec-Fetch-Site": "same-origin"})
    assert refused.status_code == 403 and not Signature.objects.exists()
    page = client.get(
        reverse("embed:widget", args=[campaign.slug]),
        {"via": code},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    response = client.post(
        sign,
        {"via": code, "csrfmiddlewaretoken": token.group(1)},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 200 and "X-Frame-Options" not in response
    signature = Signature.objects.get(user=supporter)
    # Credited to the organiser whose snippet brought the signer.
    assert signature.host is not None and signature.host.user == campaign.created_by
    assert 'data-testid="widget-signed"' in response.content.decode()


@pytest.mark.django_db
def test_anonymous_visitors_get_the_short_form_to_sign_up_in_a_new_tab(client):
    # A campaign with no pledge to sign in the frame (a challenge's): the sign-up form.
    campaign = ChallengeFactory.create().campaign
    code = link_for(user=campaign.created_by, campaign=campaign).code
    page = client.get(reverse("embed:widget", args=[campaign.slug]), {"via": code})
    body = page.content.decode()
    form = re.search(r'<form [^>]*data-testid="widget-join"[^>]*>.*?</form>', body, re.S)
    assert form is not None
    assert 'method="get"' in form.group(0) and 'target="_blank"' in form.group(0)
    assert f'action="{reverse("embed:join", args=[campaign.slug])}"' in form.group(0)
    assert f'name="via" value="{code}"' in form.group(0)
    assert 'type="email" name="email" required' in form.group(0)
    assert "csrfmiddlewaretoken" not in body and "X-CSRFToken" not in body


@pytest.mark.django_db
def test_the_short_form_opens_the_sign_up_page_credited_to_the_organiser(client, campaign):
    code = link_for(user=campaign.created_by, campaign=campaign).code
    response = client.get(
        reverse("embed:join", args=[campaign.slug]), {"via": code, "email": "lea@example.org"}
    )
    assert response.status_code == 302
    assert response["X-Frame-Options"] == "DENY"  # a page of its own, never framed
    back = campaign.get_absolute_url() + "#pledge"
    assert response["Location"] == reverse("account_signup") + "?" + urlencode(
        {"next": back, "email": "lea@example.org"}
    )
    # The visit is counted and the organiser remembered, as through their share link.
    assert LinkVisit.objects.filter(link__code=code).count() == 1
    assert client.session[SESSION_KEY][str(campaign.pk)]["code"] == code
    signup = client.get(response["Location"]).content.decode()
    assert re.search(r'<input[^>]*name="email"[^>]*value="lea@example.org"', signup) or re.search(
        r'<input[^>]*value="lea@example.org"[^>]*name="email"', signup
    )
    # Someone who turns out to be logged in goes straight to the campaign.
    client.force_login(UserFactory.create())
    again = client.get(reverse("embed:join", args=[campaign.slug]), {"via": code, "email": "x"})
    assert again["Location"] == back
    missing = client.get(reverse("embed:join", args=["nexiste-pas"]))
    assert missing.status_code == 404


@pytest.mark.django_db
def test_the_anonymous_widget_is_rendered_once_and_cacheable(
    client, campaign, django_assert_max_num_queries
):
    FundraiserFactory.create(campaign=campaign)
    code = link_for(user=campaign.created_by, campaign=campaign).code
    url = reverse("embed:widget", args=[campaign.slug])
    first = client.get(url, {"via": code})
    with django_assert_max_num_queries(1):  # whether the campaign may still be shown
        again = client.get(url, {"via": code})
    assert again.content == first.content
    directives = {part.strip() for part in again["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=30"}
    assert "HX-Request" in again["Vary"]
    assert again["Content-Security-Policy"] == EMBED_CONTENT_SECURITY_POLICY
    # Another share code, or another language, is another rendering.
    other = client.get(url)
    assert f'name="via" value="{code}"' not in other.content.decode()
    english = client.get(url, {"via": code}, headers={"Accept-Language": "en"})
    assert english.content != first.content
    # A campaign no longer shown is not served from the cache.
    reportable.of(campaign).set_state(campaign, "hidden", None)  # type: ignore[misc]
    assert client.get(url, {"via": code}).status_code == 404


@pytest.mark.django_db
def test_signing_in_place_with_htmx_returns_the_widget_fragment(client, campaign):
    client.force_login(UserFactory.create())
    response = client.post(
        reverse("embed:sign", args=[campaign.slug]),
        {"via": ""},
        headers={"HX-Request": "true", "Sec-Fetch-Site": "same-origin"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="widget"') and "<html" not in body
    assert 'data-testid="widget-count">1<' in body


# Signing in the frame without an account ---------------------------------------------------


def _guest_post(client, campaign, htmx=False, **overrides):
    data = {
        "name": "Nour Haddad",
        "email": "nour.haddad@exemple.test",
        "consent": "on",
        "started": started_token(),
        **overrides,
    }
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("embed:guest_sign", args=[campaign.slug]), data, headers=headers)


def _framable(response):
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == EMBED_CONTENT_SECURITY_POLICY


@pytest.fixture
def no_minimum_time(settings):
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 0


@pytest.mark.django_db
def test_the_anonymous_widget_offers_the_one_step_guest_form_in_the_frame(client, campaign):
    code = link_for(user=campaign.created_by, campaign=campaign).code
    body = client.get(reverse("embed:widget", args=[campaign.slug]), {"via": code}).content
    form = re.search(
        r'<form [^>]*data-testid="widget-guest-form"[^>]*>.*?</form>', body.decode(), re.S
    )
    assert form is not None
    action = reverse("embed:guest_sign", args=[campaign.slug])
    assert f'action="{action}"' in form.group(0) and f'hx-post="{action}"' in form.group(0)
    # Posted in the frame itself (no new tab): the answer is the widget again.
    assert 'hx-target="#widget"' in form.group(0) and 'target="_blank"' not in form.group(0)
    assert f'name="via" value="{code}"' in form.group(0)
    assert 'name="website"' in form.group(0) and 'name="started"' in form.group(0)
    assert "csrfmiddlewaretoken" not in body.decode()


@pytest.mark.django_db
def test_a_stranger_signs_in_the_frame_without_javascript_once_per_address(
    client, campaign, no_minimum_time
):
    code = link_for(user=campaign.created_by, campaign=campaign).code
    first = _guest_post(client, campaign, via=code)
    again = _guest_post(client, campaign, via=code, email="Nour.Haddad+x@exemple.test")
    for response in (first, again):
        assert response.status_code == 200
        _framable(response)
        body = response.content.decode()
        assert 'data-testid="widget-guest-pending"' in body and "<html" in body
        assert "exemple.test" not in body
    action = GuestAction.objects.get()
    assert (action.kind, action.via, action.confirmed_at) == ("sign", code, None)
    assert OutboxMessage.objects.filter(channel=guest_services.CHANNEL).count() == 1
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_htmx_swaps_the_widget_for_its_pending_state_or_the_form_with_what_to_fix(
    client, campaign, no_minimum_time
):
    refused = _guest_post(client, campaign, htmx=True, email="quelquun@mailinator.com")
    assert refused.status_code == 400
    _framable(refused)
    body = refused.content.decode()
    assert body.lstrip().startswith('<section id="widget"') and "<html" not in body
    assert 'data-testid="widget-guest-form"' in body and "mailinator.com" in body
    assert not GuestAction.objects.exists() and not OutboxMessage.objects.exists()
    bot = _guest_post(client, campaign, htmx=True, website="https://spam.example")
    assert bot.status_code == 400 and not GuestAction.objects.exists()
    accepted = _guest_post(client, campaign, htmx=True)
    assert accepted.status_code == 200
    assert 'data-testid="widget-guest-pending"' in accepted.content.decode()
    assert GuestAction.objects.count() == 1


@pytest.mark.django_db
def test_the_frames_guest_form_counts_against_the_guest_write_limits(
    client, settings, no_minimum_time
):
    settings.RATE_LIMITS = {"guest-email": [(1, 3600)]}
    first, second = PledgeFactory.create().campaign, PledgeFactory.create().campaign
    assert _guest_post(client, first).status_code == 200
    refused = _guest_post(client, second)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert GuestAction.objects.count() == 1


@pytest.mark.django_db
def test_a_closed_campaign_takes_no_signature_from_the_frame(client, no_minimum_time):
    campaign = PledgeFactory.create(campaign__status=Campaign.Status.CLOSED).campaign
    response = _guest_post(client, campaign)
    assert response.status_code == 400
    _framable(response)
    with translation.override("fr"):
        refusal = escape(translation.gettext("This campaign is not open for action."))
    assert refusal in response.content.decode()
    assert not GuestAction.objects.exists() and not OutboxMessage.objects.exists()
