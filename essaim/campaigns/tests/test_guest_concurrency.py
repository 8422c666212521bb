"""Acting without an account, exact under concurrency: real threads, each on its own
PostgreSQL connection."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from essaim.accounts.models import User
from essaim.campaigns.models import GUEST_EMAIL_CHANNEL, GuestAction, Rsvp, Signature
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services.settle import guest_actions_settle
from essaim.campaigns.tests.factories import EventFactory, PledgeFactory
from essaim.core.models import OutboxMessage
from essaim.core.tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_one_address_posted_thirty_times_at_once_is_one_guest_one_signature_one_mail():
    mail.outbox.clear()
    pledge = PledgeFactory.create()
    aliases = [f"nour.haddad+{number}@exemple.test" for number in range(30)]

    signatures = run_together(
        *[
            lambda email=email: guest_services.guest_act(target=pledge, email=email, name="Nour")
            for email in aliases
        ]
    )

    assert len({signature.pk for signature in signatures}) == 1
    assert User.objects.filter(is_guest=True).count() == 1
    assert GuestAction.objects.count() == 1
    assert OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL).count() == 1
    assert len(mail.outbox) == 1


def test_strangers_acting_while_settles_run_at_once_are_each_mailed_once(settings):
    """As in production: the requests write the actions, settles on other connections queue
    their e-mails meanwhile (each claims rows the others skip)."""
    settings.CAMPAIGNS_SETTLE_INLINE = False
    pledge = PledgeFactory.create()
    run_together(
        *[
            lambda number=number: guest_services.guest_act(
                target=pledge, email=f"personne{number}@exemple.test", name="P"
            )
            for number in range(30)
        ],
        *[guest_actions_settle for _settle in range(6)],
    )
    while guest_actions_settle():
        pass
    queued = [
        payload["guest_action"]
        for payload in OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL).values_list(
            "payload", flat=True
        )
    ]
    assert sorted(queued) == sorted(GuestAction.objects.values_list("pk", flat=True))
    assert len(queued) == 30 and not GuestAction.objects.filter(settled_at__isnull=True).exists()


def test_many_strangers_at_once_then_every_confirmation_twice_at_once_count_exactly():
    pledge = PledgeFactory.create()
    people = [f"personne{number}@exemple.test" for number in range(40)]
    signatures = run_together(
        *[
            lambda email=email: guest_services.guest_act(target=pledge, email=email, name="P")
            for email in people
        ]
    )
    tokens = [guest_services.confirmation_token(signature) for signature in signatures]

    confirmed = run_together(
        *[
            lambda token=token: guest_services.guest_confirm(token=token, campaign=pledge.campaign)
            for token in tokens * 2
        ]
    )

    assert sum(1 for _signature, first in confirmed if first) == 40
    assert Signature.objects.filter(pledge=pledge).count() == 40
    assert signature_count(pledge) == 40
    assert OutboxMessage.objects.filter(channel=GUEST_EMAIL_CHANNEL).count() == 40


def test_guests_confirming_at_once_for_few_places_fill_them_and_queue_the_rest_once():
    event = EventFactory.create(capacity=3)
    rsvps = run_together(
        *[
            lambda number=number: guest_services.guest_act(
                target=event, email=f"invite{number}@exemple.test", name="P"
            )
            for number in range(12)
        ]
    )
    tokens = [guest_services.confirmation_token(action) for action in rsvps]

    confirmed = run_together(
        *[
            lambda token=token: guest_services.guest_confirm(token=token, campaign=event.campaign)
            for token in tokens * 2
        ]
    )

    assert sum(1 for _action, first in confirmed if first) == 12
    statuses = list(Rsvp.objects.filter(event=event).values_list("status", flat=True))
    assert sorted(statuses).count(Rsvp.Status.CONFIRMED) == 3
    assert statuses.count(Rsvp.Status.WAITLISTED) == 9
    positions = Rsvp.objects.filter(event=event).values_list("position", flat=True)
    assert sorted(positions) == list(range(1, 13))


def test_a_guest_acting_again_while_the_expiry_forgets_them_keeps_the_new_action(
    settings, monkeypatch
):
    """The expiry has locked a guest whose only action expired, and is about to forget them,
    when a form comes in with their address: the form waits, then acts as a new guest."""
    pledge, other = PledgeFactory.create(), PledgeFactory.create()
    old = guest_services.guest_act(target=pledge, email="lea@exemple.test", name="Léa")
    GuestAction.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - guest_services.expiry() - timedelta(minutes=1)
    )
    in_window, acted = threading.Event(), threading.Event()
    forget = guest_services.guests_forget

    def forget_once_the_form_came(*, user_ids: list[int]) -> int:
        in_window.set()
        # Without the lock the form's action commits now, and is erased with its guest.
        acted.wait(timeout=5)
        return forget(user_ids=user_ids)

    monkeypatch.setattr(guest_services, "guests_forget", forget_once_the_form_came)

    def act() -> GuestAction:
        in_window.wait(timeout=20)
        try:
            return guest_services.guest_act(target=other, email="lea@exemple.test", name="Léa")
        finally:
            acted.set()

    _expired, action = run_together(guest_services.guests_expire, act, threads=2)

    kept = GuestAction.objects.select_related("user").get(pk=action.pk)
    assert kept.user.email == "lea@exemple.test" and kept.user.deleted_at is None
    assert User.objects.get(pk=old.user_id).deleted_at is not None
    assert not GuestAction.objects.filter(pk=old.pk).exists()
