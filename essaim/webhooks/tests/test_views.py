import pytest
from django.core.cache import cache
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Campaign, Signature
from essaim.campaigns.tests.factories import CampaignFactory, FundraiserFactory, PledgeFactory
from essaim.relay.services import link_for
from essaim.webhooks.embed import EMBED_CONTENT_SECURITY_POLICY
from essaim.webhooks.models import Delivery, Endpoint
from essaim.webhooks.tests.receiver import running_receiver


@pytest.fixture(autouse=True)
def local_receivers(settings):
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    cache.clear()


@pytest.fixture
def campaign(db):
    return PledgeFactory.create().campaign


def host_pages(campaign, endpoint_pk=1, delivery_pk=1):
    slug = campaign.slug
    return [
        ("get", reverse("webhooks:list", args=[slug])),
        ("post", reverse("webhooks:list", args=[slug])),
        ("get", reverse("webhooks:endpoint", args=[slug, endpoint_pk])),
        ("post", reverse("webhooks:ping", args=[slug, endpoint_pk])),
        ("post", reverse("webhooks:enable", args=[slug, endpoint_pk])),
        ("post", reverse("webhooks:delete", args=[slug, endpoint_pk])),
        ("post", reverse("webhooks:redeliver", args=[slug, delivery_pk])),
        ("get", reverse("webhooks:widget", args=[slug])),
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["anonymous", "outsider", "host of another campaign"])
def test_only_hosts_reach_the_webhook_pages_and_nothing_changes(client, campaign, role):
    with running_receiver() as receiver:
        client.force_login(campaign.created_by)
        client.post(
            reverse("webhooks:list", args=[campaign.slug]),
            {"url": receiver.url, "events": ["signature.created"]},
        )
        endpoint = Endpoint.objects.get()
        client.post(reverse("webhooks:ping", args=[campaign.slug, endpoint.pk]), {"key": "x"})
        client.logout()
        delivery_pk = Delivery.objects.values_list("pk", flat=True).first() or 1
        if role == "outsider":
            client.force_login(UserFactory.create())
        elif role == "host of another campaign":
            other = CampaignFactory.create()
            client.force_login(other.created_by)
        before = (
            list(Endpoint.objects.values_list("pk", "url", "active", "secret")),
            list(Delivery.objects.values_list("pk", "status", "attempts")),
        )
        for method, url in host_pages(campaign, endpoint.pk, delivery_pk):
            response = getattr(client, method)(url, {"url": receiver.url, "key": "x"})
            expected = 302 if role == "anonymous" else 404
            assert response.status_code == expected, (method, url)
            assert endpoint.secret not in response.content.decode()
        after = (
            list(Endpoint.objects.values_list("pk", "url", "active", "secret")),
            list(Delivery.objects.values_list("pk", "status", "attempts")),
        )
        assert after == before and receiver.received == []


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
def test_the_snippet_carries_the_hosts_own_share_code(client, campaign):
    client.force_login(campaign.created_by)
    response = client.get(reverse("webhooks:widget", args=[campaign.slug]))
    code = link_for(user=campaign.created_by, campaign=campaign).code
    embed = reverse("embed:widget", args=[campaign.slug])
    assert f"http://testserver{embed}?via={code}" in response.content.decode()
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
    ("fetch_site", "signs_in_place"),
    [
        ("same-origin", True),
        ("none", True),
        ("cross-site", False),
        ("same-site", False),
        (None, False),
    ],
)
def test_one_click_signing_in_place_only_from_this_site(
    client, campaign, fetch_site, signs_in_place
):
    supporter = UserFactory.create()
    client.force_login(supporter)
    code = link_for(user=campaign.created_by, campaign=campaign).code
    headers = {"Sec-Fetch-Site": fetch_site} if fetch_site else {}
    page = client.get(reverse("embed:widget", args=[campaign.slug]), {"via": code}, headers=headers)
    assert ('data-testid="widget-sign"' in page.content.decode()) is signs_in_place
    response = client.post(
        reverse("embed:sign", args=[campaign.slug]), {"via": code}, headers=headers
    )
    assert response.status_code == 200 and "X-Frame-Options" not in response
    signature = Signature.objects.filter(user=supporter).first()
    assert (signature is not None) is signs_in_place
    if signature is not None:
        # Credited to the organiser whose snippet brought the signer.
        assert signature.host is not None and signature.host.user == campaign.created_by
        assert 'data-testid="widget-signed"' in response.content.decode()


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
