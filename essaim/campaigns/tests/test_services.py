import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from essaim.accounts.services import user_delete, user_export
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns import selectors
from essaim.campaigns.ladder import AUTOMATIC_LADDER, goal_for, ladder
from essaim.campaigns.models import (
    Campaign,
    CampaignHost,
    CheckIn,
    Donation,
    Event,
    InKindPledge,
    Milestone,
    Rsvp,
    Signature,
)
from essaim.campaigns.payments import OfflineProvider, PaymentError, WebhookEvent
from essaim.campaigns.services import campaigns, challenge, events, fundraising, pledge
from essaim.campaigns.services.tally import tally_rebuild
from essaim.campaigns.tests.factories import (
    CampaignFactory,
    ChallengeFactory,
    EventFactory,
    FundraiserFactory,
    PledgeFactory,
)
from essaim.communities.tests.factories import MembershipFactory
from essaim.core.errors import NotFound, PermissionDenied, ValidationError
from essaim.notifications.milestones import notify_milestone
from essaim.relay.services import link_for_host

pytestmark = pytest.mark.django_db


def test_a_campaign_starts_as_a_draft_only_its_hosts_see():
    alice = UserFactory.create()
    campaign = campaigns.campaign_create(
        creator=alice, title="Zéro déchet", summary="Réduisons", category="environment"
    )
    assert campaign.status == Campaign.Status.DRAFT
    outsider = UserFactory.create()
    assert not Campaign.objects.visible_to(outsider).filter(pk=campaign.pk).exists()
    assert Campaign.objects.visible_to(alice).filter(pk=campaign.pk).exists()
    with pytest.raises(NotFound):
        campaigns.campaign_set_status(actor=outsider, campaign=campaign, status="live")
    campaigns.campaign_set_status(actor=alice, campaign=campaign, status="live")
    assert Campaign.objects.visible_to(outsider).filter(pk=campaign.pk).exists()
    with pytest.raises(ValidationError):
        campaigns.campaign_set_status(actor=alice, campaign=campaign, status="draft")
    with pytest.raises(ValidationError):
        campaigns.campaign_create(
            creator=alice,
            title="x",
            summary="y",
            category="environment",
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() - timedelta(days=1),
        )


def test_co_hosts_are_invited_accept_and_get_their_own_code():
    campaign = CampaignFactory.create()
    owner = campaign.created_by
    bruno = UserFactory.create()
    community_owner = MembershipFactory.create(role="owner")
    invitation = campaigns.host_invite(actor=owner, campaign=campaign, user=bruno)
    again = campaigns.host_invite(actor=owner, campaign=campaign, user=bruno)
    assert invitation.pk == again.pk and invitation.status == CampaignHost.Status.INVITED
    with pytest.raises(NotFound):
        campaigns.host_respond(actor=UserFactory.create(), host=invitation, accept=True)
    campaigns.host_respond(actor=bruno, host=invitation, accept=True)
    community_host = campaigns.host_invite(
        actor=bruno, campaign=campaign, community=community_owner.community
    )
    campaigns.host_respond(actor=community_owner.user, host=community_host, accept=True)
    codes = {host.code for host in selectors.hosts_of(campaign)}
    assert len(codes) == 3
    with pytest.raises(PermissionDenied):
        campaigns.host_invite(actor=UserFactory.create(), campaign=campaign, user=bruno)


def test_signing_is_once_per_person_and_credits_the_co_host():
    the_pledge = PledgeFactory.create()
    host = CampaignHost.objects.get(campaign=the_pledge.campaign)
    person = UserFactory.create()
    pledge.pledge_sign(user=person, pledge=the_pledge, via=link_for_host(host).code)
    pledge.pledge_sign(user=person, pledge=the_pledge, show_name=True)
    signature = Signature.objects.get()
    assert signature.show_name and signature.host == host
    board = selectors.host_leaderboard(the_pledge.campaign)
    assert board[0]["signatures"] == 1
    pledge.pledge_unsign(user=person, pledge=the_pledge)
    assert not Signature.objects.exists()


def test_the_signature_count_follows_signing_withdrawing_and_account_deletion():
    the_pledge = PledgeFactory.create()
    people = UserFactory.create_batch(5)
    for person in people:
        pledge.pledge_sign(user=person, pledge=the_pledge)
        pledge.pledge_sign(user=person, pledge=the_pledge, show_name=True)  # a repeat
    assert selectors.signature_count(the_pledge) == 5
    pledge.pledge_unsign(user=people[0], pledge=the_pledge)
    pledge.pledge_unsign(user=people[0], pledge=the_pledge)  # nothing left to withdraw
    user_delete(user=people[1])
    assert selectors.signature_count(the_pledge) == 3 == the_pledge.signatures.count()
    # A bulk load bypasses the services; rebuilding recounts from the settled rows.
    Signature.objects.bulk_create(
        [
            Signature(pledge=the_pledge, user=person, settled_at=timezone.now())
            for person in UserFactory.create_batch(4)
        ]
    )
    assert tally_rebuild(the_pledge) == 7 == selectors.signature_count(the_pledge)


def test_recent_signers_are_the_latest_who_agreed_to_be_shown():
    the_pledge = PledgeFactory.create()
    shown = UserFactory.create_batch(12)
    for person in shown:
        pledge.pledge_sign(user=person, pledge=the_pledge, show_name=True)
    pledge.pledge_sign(user=UserFactory.create(), pledge=the_pledge)  # not shown
    recent = selectors.recent_signers(the_pledge, 10)
    assert recent == shown[::-1][:10]


def test_signing_a_closed_or_draft_campaign_is_refused():
    the_pledge = PledgeFactory.create(campaign__status="closed")
    with pytest.raises(ValidationError):
        pledge.pledge_sign(user=UserFactory.create(), pledge=the_pledge)
    draft = PledgeFactory.create(campaign__status="draft")
    with pytest.raises(NotFound):
        pledge.pledge_sign(user=UserFactory.create(), pledge=draft)
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("text", "count", "goal"),
    [("", 0, 10), ("", 10, 25), ("", 999, 1000), ("100, 500,1000", 120, 500), ("100", 250, 300)],
)
def test_the_goal_raises_itself_along_the_ladder(text, count, goal):
    assert goal_for(count, ladder(text)) == goal


def test_garbage_ladders_fall_back_to_the_automatic_one():
    assert ladder("abc, -5, 0") == AUTOMATIC_LADDER


def test_milestones_are_recorded_and_hosts_told_exactly_once(django_capture_on_commit_callbacks):
    the_pledge = PledgeFactory.create(goal_ladder="2,3")
    for person in UserFactory.create_batch(3):
        with django_capture_on_commit_callbacks(execute=True):
            pledge.pledge_sign(user=person, pledge=the_pledge)
    assert list(Milestone.objects.values_list("threshold", flat=True).order_by("threshold")) == [
        2,
        3,
    ]
    host_email = the_pledge.campaign.created_by.email
    assert [m.to for m in mail.outbox] == [[host_email], [host_email]]
    # A rerun (a worker that died after sending) sends nothing more.
    assert notify_milestone.call(Milestone.objects.earliest("pk").pk) == 0
    assert len(mail.outbox) == 2


def test_check_in_rules():
    the_challenge = ChallengeFactory.create()
    person = UserFactory.create()
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        challenge.check_in(user=person, challenge=the_challenge)
    challenge.challenge_join(user=person, challenge=the_challenge)
    challenge.check_in(user=person, challenge=the_challenge)
    challenge.check_in(user=person, challenge=the_challenge)
    challenge.check_in(user=person, challenge=the_challenge, day=today - timedelta(days=1))
    for bad_day in (today - timedelta(days=2), today + timedelta(days=1)):
        with pytest.raises(ValidationError):
            challenge.check_in(user=person, challenge=the_challenge, day=bad_day)
    assert CheckIn.objects.count() == 2
    progress = selectors.challenge_progress(the_challenge, person)
    assert (progress.days_done, progress.streak, progress.checked_today) == (2, 2, True)


def test_check_in_outside_the_window_is_refused():
    today = timezone.localdate()
    the_challenge = ChallengeFactory.create(starts_on=today + timedelta(days=1))
    person = UserFactory.create()
    challenge.challenge_join(user=person, challenge=the_challenge)
    with pytest.raises(ValidationError):
        challenge.check_in(user=person, challenge=the_challenge)


def test_streak_counts_consecutive_days_up_to_yesterday():
    today = timezone.localdate()
    days = {today - timedelta(days=n) for n in (1, 2, 3, 5)}
    assert selectors.streak(days, today) == 3
    assert selectors.streak(days | {today}, today) == 4
    assert selectors.streak(set(), today) == 0


def test_rsvps_fill_places_then_wait_and_a_cancellation_promotes_the_first_waiting():
    event = EventFactory.create(capacity=2)
    people = UserFactory.create_batch(4)
    statuses = [events.rsvp_create(user=person, event=event).status for person in people]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert events.rsvp_create(user=people[2], event=event).status == "waitlisted"
    promoted = events.rsvp_cancel(user=people[0], event=event)
    assert [rsvp.user for rsvp in promoted] == [people[2]]
    assert events.rsvp_cancel(user=people[0], event=event) == []
    # Coming back after cancelling queues at the end.
    assert events.rsvp_create(user=people[0], event=event).status == "waitlisted"


def test_a_cancellation_naming_an_earlier_answer_leaves_the_later_one():
    """The freed place's push names the answer it was about by its queue position: pressed
    after the person cancelled and answered again, it must not cancel the new answer."""
    event = EventFactory.create(capacity=1)
    person = UserFactory.create()
    first = events.rsvp_create(user=person, event=event)
    events.rsvp_cancel(user=person, event=event)
    again = events.rsvp_create(user=person, event=event)
    assert again.position != first.position
    assert events.rsvp_cancel(user=person, event=event, position=first.position) == []
    again.refresh_from_db()
    assert again.status == "confirmed"
    events.rsvp_cancel(user=person, event=event, position=again.position)
    again.refresh_from_db()
    assert again.status == "cancelled"


def test_capacity_cannot_drop_below_confirmed_and_raising_it_promotes():
    event = EventFactory.create(capacity=2)
    people = UserFactory.create_batch(3)
    for person in people:
        events.rsvp_create(user=person, event=event)
    host = event.campaign.created_by
    with pytest.raises(ValidationError):
        events.event_set_capacity(actor=host, event=event, capacity=1)
    event.refresh_from_db()
    assert event.capacity == 2
    events.event_set_capacity(actor=host, event=event, capacity=3)
    assert Rsvp.objects.filter(status="confirmed").count() == 3
    with pytest.raises(PermissionDenied):
        events.event_set_capacity(actor=people[0], event=event, capacity=10)


def test_volunteers_propose_events_and_hosts_decide():
    campaign = CampaignFactory.create()
    volunteer = UserFactory.create()
    start = timezone.now() + timedelta(days=2)
    proposed = events.event_create(
        actor=volunteer,
        campaign=campaign,
        title="Ramassage à Lyon",
        address="Berges du Rhône",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=20,
    )
    assert proposed.status == Event.Status.PROPOSED
    with pytest.raises(NotFound):
        events.rsvp_create(user=UserFactory.create(), event=proposed)
    with pytest.raises(PermissionDenied):
        events.event_decide(actor=volunteer, event=proposed, approve=True)
    events.event_decide(actor=campaign.created_by, event=proposed, approve=True)
    assert events.rsvp_create(user=UserFactory.create(), event=proposed).status == "confirmed"


@pytest.mark.parametrize(
    ("start_offset", "length", "capacity"),
    [
        (timedelta(days=-1), timedelta(hours=1), 5),
        (timedelta(days=1), timedelta(0), 5),
        (timedelta(days=1), timedelta(hours=1), 0),
    ],
    ids=["past", "ends-before-start", "no-place"],
)
def test_bad_events_are_refused(start_offset, length, capacity):
    campaign = CampaignFactory.create()
    start = timezone.now() + start_offset
    with pytest.raises(ValidationError):
        events.event_create(
            actor=campaign.created_by,
            campaign=campaign,
            title="x",
            address="y",
            starts_at=start,
            ends_at=start + length,
            capacity=capacity,
        )
    assert not Event.objects.exists()


def test_attendance_by_signed_code_or_list_and_results():
    event = EventFactory.create()
    host = event.campaign.created_by
    rsvp = events.rsvp_create(user=UserFactory.create(), event=event)
    token = events.attendance_token(rsvp)
    with pytest.raises(ValidationError):
        events.attendance_check_in(actor=host, event=event, token=token + "x")
    other_event = EventFactory.create(campaign=event.campaign)
    with pytest.raises(ValidationError):
        events.attendance_check_in(actor=host, event=other_event, token=token)
    with pytest.raises(PermissionDenied):
        events.attendance_check_in(actor=rsvp.user, event=event, token=token)
    checked = events.attendance_check_in(actor=host, event=event, token=token)
    first_time = checked.attended_at
    assert events.attendance_check_in(actor=host, event=event, rsvp=rsvp).attended_at == first_time
    with pytest.raises(ValidationError):
        events.event_report(
            actor=host, event=event, measure="déchets", unit="kg", quantity=Decimal(5)
        )
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    event.refresh_from_db()
    with pytest.raises(ValidationError):
        events.event_report(
            actor=host, event=event, measure="déchets", unit="kg", quantity=Decimal(-1)
        )
    events.event_report(
        actor=host, event=event, measure="déchets", unit="kg", quantity=Decimal("12.5")
    )
    events.event_report(actor=host, event=event, measure="déchets", unit="kg", quantity=Decimal(14))
    other = EventFactory.create(campaign=event.campaign)
    Event.objects.filter(pk=other.pk).update(starts_at=timezone.now() - timedelta(days=1))
    other.refresh_from_db()
    events.event_report(actor=host, event=other, measure="déchets", unit="kg", quantity=Decimal(6))
    assert selectors.impact_totals(event.campaign) == [
        {"measure": "déchets", "unit": "kg", "total": Decimal(20), "events": 2}
    ]


def test_gifts_are_positive_idempotent_and_settled_by_the_provider():
    fundraiser = FundraiserFactory.create()
    donor = UserFactory.create(display_name="Zoé")
    for bad in (0, -500, 10**12):
        with pytest.raises(ValidationError):
            fundraising.donation_give(
                user=donor, fundraiser=fundraiser, amount=bad, idempotency_key=uuid.uuid4()
            )
    key = uuid.uuid4()
    first = fundraising.donation_give(
        user=donor, fundraiser=fundraiser, amount=20_00, idempotency_key=key
    )
    again = fundraising.donation_give(
        user=donor, fundraiser=fundraiser, amount=20_00, idempotency_key=key
    )
    assert first.pk == again.pk and again.amount == 20_00 and again.status == "succeeded"
    with pytest.raises(fundraising.IdempotencyKeyReused):
        fundraising.donation_give(
            user=donor, fundraiser=fundraiser, amount=99_00, idempotency_key=key
        )
    fundraising.donation_give(
        user=UserFactory.create(),
        fundraiser=fundraiser,
        amount=5_00,
        idempotency_key=uuid.uuid4(),
        anonymous=True,
    )
    assert [(d.donor_name, d.anonymous) for d in selectors.ledger(fundraiser)] == [
        ("", True),
        ("Zoé", False),
    ]
    # The provider's webhook refunds the first gift; a repeated webhook changes nothing.
    provider = OfflineProvider()
    payload, signature = provider.sign_webhook(
        WebhookEvent(reference=first.provider_reference or "", status="refunded")
    )
    event = provider.parse_webhook(payload=payload, signature=signature)
    fundraising.donation_settle(reference=event.reference, status=event.status)
    fundraising.donation_settle(reference=event.reference, status=event.status)
    assert Donation.objects.get(pk=first.pk).status == "refunded"
    assert selectors.fundraiser_totals(fundraiser)["donations"] == 5_00
    with pytest.raises(PaymentError):
        provider.parse_webhook(payload=payload, signature="forged")


def test_a_failing_provider_records_nothing_as_received():
    class Refusing(OfflineProvider):
        def confirm(self, *, reference):
            raise PaymentError("card declined")

    fundraiser = FundraiserFactory.create()
    with pytest.raises(ValidationError):
        fundraising.donation_give(
            user=UserFactory.create(),
            fundraiser=fundraiser,
            amount=10_00,
            idempotency_key=uuid.uuid4(),
            payments=Refusing(),
        )
    assert Donation.objects.get().status == "failed"
    assert selectors.fundraiser_totals(fundraiser)["total"] == 0


def test_in_kind_pledges_count_once_delivered():
    fundraiser = FundraiserFactory.create(goal_amount=1_000_00)
    host = fundraiser.campaign.created_by
    gift = fundraising.in_kind_create(
        actor=host,
        fundraiser=fundraiser,
        partner="Marque Solidaire",
        item="Couvertures",
        quantity=200,
        unit="pièces",
        declared_value=400_00,
    )
    assert selectors.fundraiser_totals(fundraiser)["total"] == 0
    fundraising.in_kind_deliver(actor=host, pledge=gift)
    fundraising.in_kind_deliver(actor=host, pledge=gift)
    totals = selectors.fundraiser_totals(fundraiser)
    assert (totals["in_kind"], totals["total"], totals["percent"]) == (400_00, 400_00, 40)
    with pytest.raises(PermissionDenied):
        fundraising.in_kind_deliver(actor=UserFactory.create(), pledge=gift)
    with pytest.raises(ValidationError):
        fundraising.in_kind_create(
            actor=host,
            fundraiser=fundraiser,
            partner="x",
            item="y",
            quantity=0,
            unit="u",
            declared_value=1,
        )
    assert InKindPledge.objects.count() == 1


def test_deleting_an_account_removes_its_acts_frees_its_place_and_anonymises_its_gifts():
    event = EventFactory.create(capacity=1)
    the_pledge = PledgeFactory.create(campaign=event.campaign)
    fundraiser = FundraiserFactory.create(campaign=event.campaign)
    leaving, waiting = UserFactory.create_batch(2)
    events.rsvp_create(user=leaving, event=event)
    events.rsvp_create(user=waiting, event=event)
    pledge.pledge_sign(user=leaving, pledge=the_pledge)
    fundraising.donation_give(
        user=leaving, fundraiser=fundraiser, amount=30_00, idempotency_key=uuid.uuid4()
    )
    exported = user_export(leaving)["campaigns"]
    assert (
        exported["donations"][0]["amount"] == 30_00
        and exported["events"][0]["status"] == "confirmed"
    )

    user_delete(user=leaving)

    assert not Signature.objects.exists()
    assert Rsvp.objects.get(user=waiting).status == "confirmed"
    donation = Donation.objects.get()
    assert (donation.user, donation.anonymous, donation.donor_name) == (None, True, "")
    assert selectors.fundraiser_totals(fundraiser)["donations"] == 30_00


def test_the_leaderboard_counts_people_mobilised_once_each():
    """One person who signs, joins and comes through a co-host's link is one person mobilised;
    the co-host's own actions through their link mobilise nobody."""
    the_pledge = PledgeFactory.create()
    campaign = the_pledge.campaign
    the_challenge = ChallengeFactory.create(campaign=campaign)
    event = EventFactory.create(campaign=campaign)
    cohost_user = UserFactory.create(display_name="Inès")
    cohost = CampaignHost.objects.create(campaign=campaign, user=cohost_user, status="accepted")
    link = link_for_host(cohost)
    follower, other = UserFactory.create_batch(2)
    pledge.pledge_sign(user=follower, pledge=the_pledge, via=link.code)
    challenge.challenge_join(user=follower, challenge=the_challenge, via=link.code)
    events.rsvp_create(user=follower, event=event, via=link.code)
    pledge.pledge_sign(user=cohost_user, pledge=the_pledge, via=link.code)
    pledge.pledge_sign(user=other, pledge=the_pledge)
    rows = {row["host"].pk: row for row in selectors.host_leaderboard(campaign)}
    assert (rows[cohost.pk]["people"], rows[cohost.pk]["signatures"]) == (1, 2)
    assert rows[cohost.pk]["participants"] == 1 and rows[cohost.pk]["rsvps"] == 1
