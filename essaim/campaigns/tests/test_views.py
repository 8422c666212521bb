import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import (
    Campaign,
    CampaignHost,
    CheckIn,
    Event,
    EventResult,
    Participant,
    Rsvp,
    Signature,
)
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    EventFactory,
    PledgeFactory,
)
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


def test_a_one_click_panel_leaves_the_csrf_token_to_the_pages_htmx_headers():
    pledge = PledgeFactory.create()
    campaign = pledge.campaign
    ChallengeFactory.create(campaign=campaign)
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory.create())
    page = client.get(campaign.get_absolute_url()).content.decode()
    # Without JavaScript the page's forms post their own token...
    assert page.count('name="csrfmiddlewaretoken"') >= 3  # sign, join, log out
    # ...with htmx, the body sends it in a header with every request.
    found = re.search(r'hx-headers=\'\{"X-CSRFToken": "(\w+)"\}\'', page)
    assert found is not None
    token = found.group(1)
    url = reverse("campaigns:sign", args=[campaign.slug])
    refused = client.post(url, headers={"HX-Request": "true"})
    assert refused.status_code == 403 and not Signature.objects.exists()
    htmx = {"HX-Request": "true", "X-CSRFToken": token}
    answers = {
        "signed": client.post(url, headers=htmx),
        "sign": client.post(reverse("campaigns:unsign", args=[campaign.slug]), headers=htmx),
        "check-in": client.post(
            reverse("campaigns:challenge_join", args=[campaign.slug]), headers=htmx
        ),
    }
    for testid, answer in answers.items():
        html = answer.content.decode()
        assert answer.status_code == 200 and f'data-testid="{testid}"' in html
        # No token masked for the panel's forms, and the cookie is not sent again.
        assert "csrfmiddlewaretoken" not in html and "csrftoken" not in answer.cookies


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
        (reverse("campaigns:event_edit", args=[slug, event.pk]), {"title": "Pris", "capacity": 50}),
        (reverse("campaigns:event_call_off", args=[slug, event.pk]), {}),
        (
            reverse("campaigns:event_results", args=[slug, event.pk]),
            {"measure": "x", "unit": "kg", "quantity": "1"},
        ),
    ):
        assert client.post(url, data, HTTP_ACCEPT="application/json").status_code == 403
    assert client.get(reverse("campaigns:event_edit", args=[slug, event.pk])).status_code == 403
    event.refresh_from_db()
    assert (event.capacity, event.status) == (5, "approved") and not EventResult.objects.exists()
    assert event.title == "Ramassage des déchets"


def test_a_host_edits_an_event_then_calls_it_off(client):
    event = EventFactory.create(capacity=5)
    campaign, host, attendee = event.campaign, event.campaign.created_by, UserFactory.create()
    Rsvp.objects.create(event=event, user=attendee, status="confirmed", position=1)
    client.force_login(host)
    url = reverse("campaigns:event_edit", args=[campaign.slug, event.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["title"] == "Ramassage des déchets"
    start = timezone.localtime() + timedelta(days=4)
    data = {
        "title": "Ramassage du quai",
        "address": "Quai de Jemmapes",
        "city": "Paris",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "8",
    }
    for bad in ({"capacity": "0"}, {"ends_at": data["starts_at"]}, {"title": ""}):
        assert client.post(url, {**data, **bad}).status_code == 400, bad
    assert client.post(url, data).status_code == 302
    event.refresh_from_db()
    assert (event.title, event.address, event.capacity) == (
        "Ramassage du quai",
        "Quai de Jemmapes",
        8,
    )
    assert timezone.localtime(event.starts_at).strftime("%Y-%m-%dT%H:%M") == data["starts_at"]
    # Fewer places than people coming is refused, as on the capacity form, and nothing changes.
    Rsvp.objects.create(event=event, user=UserFactory.create(), status="confirmed", position=2)
    refused = client.post(url, {**data, "capacity": "1", "title": "Autre"})
    assert refused.status_code == 400
    event.refresh_from_db()
    assert event.title == "Ramassage du quai"

    client.post(reverse("campaigns:event_call_off", args=[campaign.slug, event.pk]))
    event.refresh_from_db()
    assert event.status == "cancelled"
    client.force_login(attendee)
    page = client.get(event.get_absolute_url())
    assert page.status_code == 200
    assert 'action="' + reverse("campaigns:rsvp", args=[campaign.slug, event.pk]) not in (
        page.content.decode()
    )


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
    client.post(reverse("campaigns:create"), {**data, "cover": real, "cover_alt": "Un pré"})
    campaign = Campaign.objects.get()
    name = campaign.cover.name or ""
    # Re-encoded as WebP (core.images.store_cover), never enlarged.
    assert name.startswith("covers/") and name.endswith("_120x60.webp")


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
