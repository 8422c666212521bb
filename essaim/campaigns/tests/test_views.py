import time
import uuid
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import (
    Campaign,
    CampaignHost,
    CheckIn,
    Donation,
    Event,
    EventResult,
    InKindPledge,
    Participant,
    Rsvp,
    Signature,
)
from essaim.campaigns.payments import OfflineProvider, WebhookEvent
from essaim.campaigns.services import campaigns as campaign_services
from essaim.campaigns.services import pledge as pledge_services
from essaim.campaigns.services.fundraising import donation_give
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.campaigns.views.campaigns import PUBLIC_CACHE_SECONDS
from essaim.core import pagecache
from essaim.core.errors import ValidationError
from essaim.core.tests.svg import SVG_NAMESPACE, svg_root_tag
from essaim.core.tests.xss import XSS_PAYLOADS, dangerous_markup

pytestmark = pytest.mark.django_db


def test_an_organiser_builds_publishes_and_co_hosts_a_campaign(client):
    alice, bruno = UserFactory.create(), UserFactory.create()
    client.force_login(alice)
    response = client.post(
        reverse("campaigns:create"),
        {
            "title": "Défi zéro déchet",
            "summary": "30 jours",
            "category": "environment",
            "body": "**Go**",
        },
    )
    campaign = Campaign.objects.get()
    manage = reverse("campaigns:manage", args=[campaign.slug])
    assert response["Location"] == manage and campaign.status == "draft"
    today = timezone.localdate()
    for data in (
        {"section": "pledge", "text": "Je réduis mes déchets", "goal_ladder": "100, 500"},
        {"section": "challenge", "starts_on": today, "ends_on": today + timedelta(days=29)},
        {"section": "fundraiser", "goal": "5000", "currency": "EUR"},
        {"section": "invite", "handle": bruno.handle},
    ):
        assert client.post(manage, data).status_code == 302, data
    assert client.post(manage, {"section": "pledge", "goal_ladder": "abc"}).status_code == 400
    assert (
        client.post(manage, {"section": "fundraiser", "goal": "-5", "currency": "EUR"}).status_code
        == 400
    )
    client.post(reverse("campaigns:status", args=[campaign.slug]), {"status": "live"})
    campaign.refresh_from_db()
    assert campaign.status == "live" and campaign.fundraiser.goal_amount == 5000_00
    invitation = CampaignHost.objects.get(user=bruno)
    client.force_login(bruno)
    assert "Défi zéro déchet" in client.get(reverse("campaigns:list")).content.decode()
    client.post(reverse("campaigns:host_answer", args=[invitation.pk]), {"answer": "accept"})
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    assert client.get(manage).status_code == 200


def test_drafts_and_host_pages_are_invisible_to_others(client):
    draft = CampaignFactory.create(status="draft")
    live = CampaignFactory.create()
    outsider = UserFactory.create()
    for viewer in (None, outsider):
        if viewer:
            client.force_login(viewer)
        assert client.get(draft.get_absolute_url()).status_code == 404
        assert client.get(reverse("campaigns:share_image", args=[draft.slug])).status_code == 404
    assert client.get(reverse("campaigns:manage", args=[live.slug])).status_code == 404
    response = client.post(
        reverse("campaigns:status", args=[live.slug]),
        {"status": "closed"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 403 and "detail" in response.json()
    live.refresh_from_db()
    assert live.status == "live"


def test_the_public_page_is_cached_for_anonymous_visitors_and_shares_well(client):
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    first = client.get(campaign.get_absolute_url()).content.decode()
    assert 'property="og:image"' in first and 'name="twitter:card"' in first
    assert 'data-testid="signature-count">0<' in first
    pledge_services.pledge_sign(user=UserFactory.create(), pledge=pledge)
    # Within the cache's few seconds, anonymous visitors may see the old count...
    assert (
        'data-testid="signature-count">0<'
        in client.get(campaign.get_absolute_url()).content.decode()
    )
    # ...while a logged-in supporter sees the exact one.
    client.force_login(UserFactory.create())
    assert (
        'data-testid="signature-count">1<'
        in client.get(campaign.get_absolute_url()).content.decode()
    )
    image = client.get(reverse("campaigns:share_image", args=[campaign.slug]))
    assert image["Content-Type"] == "image/png" and image.content[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_sign_in_one_click_credited_to_the_co_host_who_brought_me(client, htmx):
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    cohost = CampaignHost.objects.create(
        campaign=campaign, user=UserFactory.create(), status="accepted"
    )
    client.get(f"{campaign.get_absolute_url()}?via={cohost.code}")
    client.get(f"{campaign.get_absolute_url()}?via=someone-else")
    client.force_login(UserFactory.create())
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for _repeat in range(3):
        response = client.post(
            reverse("campaigns:sign", args=[campaign.slug]), {"show_name": "on"}, **headers
        )
    signature = Signature.objects.get()
    assert signature.host == cohost and signature.show_name
    if htmx:
        html = response.content.decode()
        assert "<html" not in html and 'data-testid="signed"' in html
    else:
        assert response.status_code == 302
    client.post(reverse("campaigns:unsign", args=[campaign.slug]), **headers)
    assert not Signature.objects.exists()


def test_join_the_challenge_and_check_in_with_htmx(client):
    challenge = ChallengeFactory.create()
    person = UserFactory.create()
    client.force_login(person)
    slug = challenge.campaign.slug
    html = client.post(
        reverse("campaigns:challenge_join", args=[slug]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="check-in"' in html
    for _repeat in range(2):
        html = client.post(
            reverse("campaigns:check_in", args=[slug]), {"day": "today"}, HTTP_HX_REQUEST="true"
        ).content.decode()
    assert 'data-testid="checked-today"' in html
    client.post(reverse("campaigns:check_in", args=[slug]), {"day": "yesterday"})
    assert CheckIn.objects.count() == 2 and Participant.objects.count() == 1


def test_rsvp_waitlist_cancel_and_ticket(client):
    event = EventFactory.create(capacity=1)
    first, second = UserFactory.create_batch(2)
    slug = event.campaign.slug
    client.force_login(first)
    client.post(reverse("campaigns:rsvp", args=[slug, event.pk]))
    ticket = client.get(reverse("campaigns:ticket", args=[slug, event.pk]))
    assert ticket["Content-Type"] == "image/svg+xml"
    assert svg_root_tag(ticket.content) == f"{{{SVG_NAMESPACE}}}svg"
    client.force_login(second)
    html = client.post(
        reverse("campaigns:rsvp", args=[slug, event.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "waiting list" in html or "liste d'attente" in html
    assert client.get(reverse("campaigns:ticket", args=[slug, event.pk])).status_code == 404
    client.force_login(first)
    client.post(reverse("campaigns:rsvp_cancel", args=[slug, event.pk]))
    assert Rsvp.objects.get(user=second).status == "confirmed"


def test_volunteer_proposes_host_approves_checks_in_and_reports(client):
    campaign = CampaignFactory.create()
    host, volunteer, attendee = campaign.created_by, UserFactory.create(), UserFactory.create()
    client.force_login(volunteer)
    start = timezone.localtime() + timedelta(days=2)
    data = {
        "title": "Ramassage à Lyon",
        "address": "Berges du Rhône",
        "city": "Lyon",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "20",
        "latitude": "45.75",
        "longitude": "4.84",
    }
    for bad in (
        {"capacity": "-3"},
        {"starts_at": "2020-01-01T10:00", "ends_at": "2020-01-01T12:00"},
        {"starts_at": "9999-01-01T10:00", "ends_at": "9999-01-01T12:00"},
        {"latitude": "123"},
        {"ends_at": start.strftime("%Y-%m-%dT%H:%M")},
    ):
        assert (
            client.post(
                reverse("campaigns:event_create", args=[campaign.slug]), {**data, **bad}
            ).status_code
            == 400
        ), bad
    client.post(reverse("campaigns:event_create", args=[campaign.slug]), data)
    event = Event.objects.get()
    assert event.status == "proposed"
    client.force_login(attendee)
    assert client.get(event.get_absolute_url()).status_code == 404
    client.force_login(host)
    client.post(
        reverse("campaigns:event_decide", args=[campaign.slug, event.pk]), {"decision": "approve"}
    )
    client.force_login(attendee)
    client.post(reverse("campaigns:rsvp", args=[campaign.slug, event.pk]))
    rsvp = Rsvp.objects.get()
    client.force_login(host)
    response = client.post(
        reverse("campaigns:attendance", args=[campaign.slug, event.pk]), {"rsvp": rsvp.pk}
    )
    assert response.status_code == 302
    rsvp.refresh_from_db()
    assert rsvp.attended_at is not None
    too_small = client.post(
        reverse("campaigns:event_capacity", args=[campaign.slug, event.pk]), {"capacity": "0"}
    )
    assert too_small.status_code == 400
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    url = reverse("campaigns:event_results", args=[campaign.slug, event.pk])
    assert (
        client.post(url, {"measure": "déchets", "unit": "kg", "quantity": "-4"}).status_code == 400
    )
    client.post(url, {"measure": "déchets", "unit": "kg", "quantity": "42.5"})
    assert EventResult.objects.get().quantity == 42.5
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "<strong>42,50 kg</strong> déchets" in page
    ical = client.get(reverse("campaigns:ical", args=[campaign.slug])).content.decode()
    assert "BEGIN:VEVENT" in ical and "SUMMARY:Ramassage à Lyon" in ical and "GEO:45.75" in ical


def test_someone_else_s_event_cannot_be_changed(client):
    event = EventFactory.create(capacity=5)
    intruder = UserFactory.create()
    client.force_login(intruder)
    slug = event.campaign.slug
    for url, data in (
        (reverse("campaigns:event_capacity", args=[slug, event.pk]), {"capacity": "50"}),
        (reverse("campaigns:event_decide", args=[slug, event.pk]), {"decision": "decline"}),
        (
            reverse("campaigns:event_results", args=[slug, event.pk]),
            {"measure": "x", "unit": "kg", "quantity": "1"},
        ),
    ):
        assert client.post(url, data, HTTP_ACCEPT="application/json").status_code == 403
    event.refresh_from_db()
    assert (event.capacity, event.status) == (5, "approved") and not EventResult.objects.exists()


def test_give_through_the_offline_provider_once_per_form(client):
    fundraiser = FundraiserFactory.create()
    slug = fundraiser.campaign.slug
    client.force_login(UserFactory.create(display_name="Zoé"))
    key = str(uuid.uuid4())
    for bad in ("-10", "0", "abc", "99999999"):
        assert (
            client.post(
                reverse("campaigns:give", args=[slug]), {"amount": bad, "idempotency_key": key}
            ).status_code
            == 400
        )
    for _repeat in range(3):
        client.post(
            reverse("campaigns:give", args=[slug]), {"amount": "25.50", "idempotency_key": key}
        )
    donation = Donation.objects.get()
    assert (donation.amount, donation.status) == (25_50, "succeeded")
    ledger = client.get(reverse("campaigns:ledger", args=[slug])).content.decode()
    assert "Zoé" in ledger


@pytest.mark.parametrize(
    "replay",
    [{"amount": "40"}, {"amount": "25.50", "anonymous": "on"}],
    ids=["amount", "anonymity"],
)
def test_a_replayed_give_form_with_other_terms_is_a_conflict_as_in_the_api(client, replay):
    fundraiser = FundraiserFactory.create()
    url = reverse("campaigns:give", args=[fundraiser.campaign.slug])
    client.force_login(UserFactory.create())
    key = str(uuid.uuid4())
    assert client.post(url, {"amount": "25.50", "idempotency_key": key}).status_code == 302
    response = client.post(url, {**replay, "idempotency_key": key})
    assert response.status_code == 409
    assert "reload the page" in response.content.decode() or "rechargez la page" in (
        response.content.decode()
    )
    donation = Donation.objects.get()
    assert (donation.amount, donation.anonymous) == (25_50, False)
    # The same terms again answer as the first gift: a double click stays harmless.
    assert client.post(url, {"amount": "25.50", "idempotency_key": key}).status_code == 302
    assert Donation.objects.count() == 1


def test_the_payment_webhook_checks_its_signature(client):
    fundraiser = FundraiserFactory.create()
    donor = UserFactory.create()
    donation = donation_give(
        user=donor, fundraiser=fundraiser, amount=10_00, idempotency_key=uuid.uuid4()
    )
    payload, signature = OfflineProvider().sign_webhook(
        WebhookEvent(reference=donation.provider_reference, status="refunded")
    )
    url = reverse("campaigns:payment_webhook", args=["offline"])
    forged = client.post(url, payload, content_type="application/json", HTTP_X_SIGNATURE="0" * 64)
    assert forged.status_code == 400
    donation.refresh_from_db()
    assert donation.status == "succeeded"
    assert (
        client.post(
            url, payload, content_type="application/json", HTTP_X_SIGNATURE=signature
        ).status_code
        == 204
    )
    donation.refresh_from_db()
    assert donation.status == "refunded"
    assert (
        client.post(
            reverse("campaigns:payment_webhook", args=["nope"]),
            payload,
            content_type="application/json",
        ).status_code
        == 404
    )


def test_hosts_record_in_kind_pledges_and_mark_them_delivered(client):
    fundraiser = FundraiserFactory.create()
    slug = fundraiser.campaign.slug
    client.force_login(fundraiser.campaign.created_by)
    client.post(
        reverse("campaigns:in_kind_create", args=[slug]),
        {
            "partner": "Marque",
            "item": "Tentes",
            "quantity": "50",
            "unit": "pièces",
            "declared_value": "3000",
        },
    )
    gift = InKindPledge.objects.get()
    client.post(reverse("campaigns:in_kind_deliver", args=[slug, gift.pk]))
    gift.refresh_from_db()
    assert gift.status == "delivered" and gift.declared_value == 3000_00
    client.force_login(UserFactory.create())
    response = client.post(
        reverse("campaigns:in_kind_create", args=[slug]),
        {"partner": "X", "item": "Y", "quantity": "1", "unit": "u", "declared_value": "1"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 403 and InKindPledge.objects.count() == 1


def test_campaign_text_fields_render_xss_payloads_inert(client):
    for payload in XSS_PAYLOADS:
        campaign = CampaignFactory.create(title=payload[:140], summary=payload[:280], body=payload)
        PledgeFactory.create(campaign=campaign, text=payload)
        EventFactory.create(
            campaign=campaign, title=payload[:140], description=payload, address=payload[:200]
        )
        html = client.get(campaign.get_absolute_url()).content.decode()
        assert dangerous_markup(html, page=True) == [], payload


def test_cover_image_is_checked_and_stored(client):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), "green").save(buffer, format="JPEG")
    alice = UserFactory.create()
    client.force_login(alice)
    data = {"title": "Arbres", "summary": "Plantons", "category": "environment"}
    fake = SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png")
    assert client.post(reverse("campaigns:create"), {**data, "cover": fake}).status_code == 400
    assert not Campaign.objects.exists()
    real = SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")
    client.post(reverse("campaigns:create"), {**data, "cover": real})
    campaign = Campaign.objects.get()
    name = campaign.cover.name or ""
    assert name.startswith("covers/") and name.endswith(".jpg")


def test_hosts_refund_a_gift_once_and_others_cannot(client):
    fundraiser = FundraiserFactory.create()
    donation = donation_give(
        user=UserFactory.create(), fundraiser=fundraiser, amount=40_00, idempotency_key=uuid.uuid4()
    )
    url = reverse("campaigns:refund", args=[fundraiser.campaign.slug, donation.pk])
    client.force_login(UserFactory.create())
    assert client.post(url, HTTP_ACCEPT="application/json").status_code == 403
    donation.refresh_from_db()
    assert donation.status == "succeeded"
    client.force_login(fundraiser.campaign.created_by)
    for _repeat in range(2):
        assert client.post(url).status_code == 302
    donation.refresh_from_db()
    assert donation.status == "refunded"


def test_the_public_page_shows_who_mobilised_the_most(client):
    pledge = PledgeFactory.create()
    cohost = CampaignHost.objects.create(
        campaign=pledge.campaign, user=UserFactory.create(display_name="Inès"), status="accepted"
    )
    for person in UserFactory.create_batch(3):
        Signature.objects.create(pledge=pledge, user=person, host=cohost)
    html = client.get(pledge.campaign.get_absolute_url()).content.decode()
    assert (
        'data-testid="public-leaderboard"' in html
        and '<td>Inès</td><td data-testid="people-mobilised">3</td>' in html
    )


def test_anonymous_visitors_share_one_page_that_holds_no_ones_token():
    from django.test import Client

    pledge = PledgeFactory.create()
    url = pledge.campaign.get_absolute_url()
    first = Client(enforce_csrf_checks=True)
    first_page = first.get(url)
    pledge_services.pledge_sign(user=UserFactory.create(), pledge=pledge)
    second = Client(enforce_csrf_checks=True)
    second_page = second.get(url)
    # The same bytes for everyone for a few seconds (the new signature does not show yet)...
    assert second_page.content == first_page.content
    html = second_page.content.decode()
    assert 'data-testid="signature-count">0<' in html
    # ...holding no token, and setting no cookie: nothing of one visitor reaches another.
    assert "csrfmiddlewaretoken" not in html and "X-CSRFToken" not in html
    assert "csrftoken" not in second_page.cookies and "csrftoken" not in first_page.cookies
    # A visitor's language switch needs no token: it only sets their own cookie.
    switched = second.post(reverse("set_language"), {"language": "en", "next": url})
    assert switched.status_code == 302 and switched.cookies["django_language"].value == "en"
    # Logged-in people, and visits with a share code, are never served the shared page.
    member = Client()
    member.force_login(UserFactory.create())
    assert 'data-testid="signature-count">1<' in member.get(url).content.decode()
    assert "csrfmiddlewaretoken" in Client().get(f"{url}?via=abc").content.decode()


def test_a_members_language_switch_still_needs_the_csrf_token():
    from django.test import Client

    person = UserFactory.create(language="fr")
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    refused = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    person.refresh_from_db()
    assert refused.status_code == 403 and person.language == "fr"
    token = client.get(reverse("campaigns:list")).cookies["csrftoken"].value
    switched = client.post(
        reverse("set_language"), {"language": "en", "next": "/"}, HTTP_X_CSRFTOKEN=token
    )
    person.refresh_from_db()
    assert switched.status_code == 302 and person.language == "en"


def test_a_stale_shared_page_is_served_while_one_visit_renews_it(client, monkeypatch):
    # The decorator's own tests (essaim/core/tests/test_pagecache.py) cover the claims; this
    # one checks the campaign page renews its content with it.
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    url = campaign.get_absolute_url()

    def signed_and_aged(seconds: float) -> None:
        # A new signature, a campaign edited (so the rendered content is new too), and the
        # page's clock moved on; each app server process's own copy expired.
        pledge_services.pledge_sign(user=UserFactory.create(), pledge=pledge)
        Campaign.objects.filter(pk=campaign.pk).update(updated_at=timezone.now())
        caches["process"].clear()
        monkeypatch.setattr(pagecache, "time", SimpleNamespace(time=lambda: real_time() + seconds))

    real_time = time.time
    assert 'data-testid="signature-count">0<' in client.get(url).content.decode()
    signed_and_aged(PUBLIC_CACHE_SECONDS + 1)
    # The first visit past the copy's freshness renders afresh...
    assert 'data-testid="signature-count">1<' in client.get(url).content.decode()
    # ...and while another visit has claimed the renewal, visitors get the copy.
    signed_and_aged(2 * PUBLIC_CACHE_SECONDS + 2)
    assert caches["default"].add(f"{pagecache.page_key(url, language='fr')}:renewing", 1, 10)
    assert 'data-testid="signature-count">1<' in client.get(url).content.decode()


def test_a_campaign_hidden_by_the_moderators_is_not_served_from_the_shared_copy(
    client, monkeypatch
):
    pledge = PledgeFactory.create()
    url = pledge.campaign.get_absolute_url()
    assert client.get(url).status_code == 200
    Campaign.objects.filter(pk=pledge.campaign.pk).update(moderation="hidden")
    caches["process"].clear()
    later = time.time() + PUBLIC_CACHE_SECONDS + 1
    monkeypatch.setattr(pagecache, "time", SimpleNamespace(time=lambda: later))
    assert client.get(url).status_code == 404
    # The copy is gone: no later visit sees it, even before the renewal claim expires.
    assert client.get(url).status_code == 404
    # The copy is gone: no later visit sees it, even before the renewal claim expires.
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("section", "fields"),
    [
        ("campaign", {"starts_on": "0001-01-01"}),
        ("campaign", {"ends_on": "9999-12-31"}),
        ("challenge", {"starts_on": "0001-01-01"}),
    ],
)
def test_the_manage_form_refuses_dates_no_one_means(client, section, fields):
    campaign = ChallengeFactory.create().campaign
    assert campaign.status == "live"
    client.force_login(campaign.created_by)
    today = timezone.localdate()
    data = {
        "campaign": {
            "section": "campaign",
            "title": campaign.title,
            "summary": campaign.summary,
            "category": campaign.category,
            "body": campaign.body,
        },
        "challenge": {"section": "challenge", "ends_on": today + timedelta(days=3)},
    }[section]
    response = client.post(reverse("campaigns:manage", args=[campaign.slug]), {**data, **fields})
    assert response.status_code == 400
    html = response.content.decode()
    assert "within 10 years of today" in html or "dans les 10 ans" in html
    campaign.refresh_from_db()
    challenge = campaign.challenge
    assert campaign.starts_on is None and campaign.ends_on is None
    assert challenge.starts_on == today - timedelta(days=5)


def test_services_refuse_the_same_dates_whatever_the_door():
    campaign = CampaignFactory.create()
    with pytest.raises(ValidationError):
        campaign_services.campaign_update(
            actor=campaign.created_by,
            campaign=campaign,
            title=campaign.title,
            summary=campaign.summary,
            category=campaign.category,
            body=campaign.body,
            starts_on=date(1, 1, 1),
            ends_on=None,
        )
    campaign.refresh_from_db()
    assert campaign.starts_on is None


def test_calendar_lines_are_folded_at_75_octets(client):
    event = EventFactory.create(
        title="Grand ramassage des déchets sur les berges du Rhône " * 3,
        description="Apportez des gants, des sacs et de l'eau. " * 10,
    )
    for url in (
        reverse("campaigns:event_ical", args=[event.campaign.slug, event.pk]),
        reverse("campaigns:ical", args=[event.campaign.slug]),
    ):
        body = client.get(url).content
        lines = body.split(b"\r\n")
        assert lines[-1] == b""
        assert all(len(line) <= 75 for line in lines), url
        for line in lines:
            line.decode("utf-8")
        unfolded = body.decode().replace("\r\n ", "")
        assert "SUMMARY:" + event.title.replace(",", "\\,") in unfolded.splitlines()
