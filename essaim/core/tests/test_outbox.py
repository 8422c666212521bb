"""The one outbox: claims under a lease, backoff with jitter, held and dead, sent once."""

import threading
from collections import Counter
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.core import outbox, scheduler
from essaim.core.models import OutboxMessage
from essaim.core.outbox import Backoff, Cancel, Fail, Hold, Retry, Sent
from essaim.core.tests.concurrency import run_together

pytestmark = pytest.mark.django_db

State = OutboxMessage.State
BACKOFF = Backoff(
    first=timedelta(minutes=1), factor=2, cap=timedelta(hours=1), jitter=0.1, max_attempts=3
)


class Unreachable(OSError):
    pass


class Refused(ValueError):
    pass


class Channel:
    """A test channel: each payload names the outcome its delivery answers; every delivery is
    counted by message id (thread-safe, for the concurrency test)."""

    def __init__(self) -> None:
        self.delivered: Counter[int] = Counter()
        self.lock = threading.Lock()
        self.connect_fails = False
        self.opened = 0

    def deliver(self, message: OutboxMessage, connection: Any) -> outbox.Outcome:
        with self.lock:
            self.delivered[message.pk] += 1
        answer = message.payload.get("answer", "sent")
        if answer == "raise-retry":
            raise Unreachable("receiver down")
        if answer == "raise-fail":
            raise Refused("never")
        if answer == "raise-bug":
            raise RuntimeError("a bug in the handler")
        outcomes: dict[str, outbox.Outcome] = {
            "sent": Sent(),
            "retry": Retry("503 from the receiver"),
            "fail": Fail("410 gone"),
            "hold": Hold("endpoint off"),
            "hold-released-meanwhile": Hold("endpoint off", still_held=lambda: False),
            "cancel": Cancel("endpoint deleted"),
        }
        return outcomes[answer]

    @contextmanager
    def connect(self) -> Iterator[str]:
        if self.connect_fails:
            raise Unreachable("no route to host")
        self.opened += 1
        yield "connection"


@pytest.fixture
def channel() -> Generator[Channel, None, None]:
    test = Channel()
    outbox.register(
        outbox.Channel(
            name="test",
            deliver=test.deliver,
            backoff=BACKOFF,
            lease=timedelta(minutes=5),
            batch=3,
            retry_on=(Unreachable,),
            fail_on=(Refused,),
            connect=test.connect,
        )
    )
    yield test
    outbox._channels.pop("test")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> "Clock":
    moment = Clock(timezone.now().replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", lambda: moment.now)
    return moment


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def write(answer: str = "sent", **fields: Any) -> OutboxMessage:
    fields.setdefault("due_at", timezone.now())  # the test's clock, not the model's default
    return OutboxMessage.objects.create(channel="test", payload={"answer": answer}, **fields)


def row(message: OutboxMessage) -> tuple[str, int, str]:
    message.refresh_from_db()
    return message.state, message.attempts, message.last_error


def test_a_batch_is_written_at_once_and_handed_over_after_the_commit_by_the_dispatch_limit(
    channel, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(outbox, "DISPATCH_LIMIT", 2)
    with django_capture_on_commit_callbacks(execute=True) as handed:
        messages = outbox.enqueue_many("test", [{"answer": "sent"} for _ in range(5)])
        assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.PENDING}
        assert channel.delivered == Counter()
    # Two tasks of two and one of one, each after the commit; each sends its own.
    assert len(handed) == 3
    assert all(channel.delivered[message.pk] == 1 for message in messages)
    assert OutboxMessage.objects.filter(state=State.SENT).count() == 5
    with pytest.raises(LookupError):
        outbox.enqueue_many("nexiste-pas", [{}])


def test_a_claim_leases_due_messages_once_oldest_first(channel, clock):
    later = write(due_at=clock.now + timedelta(minutes=1))
    second = write(due_at=clock.now - timedelta(seconds=1))
    first = write(due_at=clock.now - timedelta(seconds=2))
    foreign = OutboxMessage.objects.create(channel="not-registered-here")
    claimed = outbox.claim(owner="a")
    assert [message.pk for message in claimed] == [first.pk, second.pk]
    assert all(
        (m.state, m.attempts, m.lease_owner, m.lease_until)
        == (State.SENDING, 1, "a", clock.now + timedelta(minutes=5))
        for m in claimed
    )
    assert outbox.claim(owner="b") == []  # leased: a second dispatcher finds nothing
    assert row(later)[0] == row(foreign)[0] == State.PENDING


def test_a_crashed_senders_lease_expires_and_the_message_is_retried(channel, clock):
    message = write()
    [claimed] = outbox.claim(owner="crashed")  # ...and its process died before sending
    clock.advance(minutes=4)
    assert outbox.claim(owner="b") == []
    clock.advance(minutes=1)
    [again] = outbox.claim(owner="b")
    assert (again.lease_owner, again.attempts) == ("b", 2)
    # The first sender wakes up: it may neither send nor record anything.
    assert outbox.deliver([claimed], owner="crashed") == 0
    assert channel.delivered == Counter()
    assert outbox.deliver([again], owner="b") == 1
    assert channel.delivered == Counter({message.pk: 1})
    assert row(message) == (State.SENT, 2, "")


def test_the_outcome_of_a_sender_that_lost_its_lease_is_not_recorded(channel, clock):
    message = write()
    [slow] = outbox.claim(owner="slow")
    clock.advance(minutes=6)  # it stalled past its lease
    [fast] = outbox.claim(owner="fast")
    outbox._record(outbox.channel_of("test"), slow, "slow", Fail("late"))
    assert row(message) == (State.SENDING, 2, "")
    outbox._record(outbox.channel_of("test"), fast, "fast", Sent())
    assert row(message)[0] == State.SENT


@pytest.mark.parametrize(
    ("attempts", "minutes"), [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (20, 60), (500, 60)]
)
def test_the_backoff_grows_exponentially_to_its_cap_within_its_jitter(attempts, minutes):
    base = timedelta(minutes=minutes)
    assert BACKOFF.delay(attempts, uniform=lambda low, high: low) == base * 0.9
    assert BACKOFF.delay(attempts, uniform=lambda low, high: high) == base * 1.1
    assert BACKOFF.delay(attempts, uniform=lambda low, high: 1.0) == base
    samples = {BACKOFF.delay(attempts) for _draw in range(200)}
    assert all(base * 0.9 <= delay <= base * 1.1 for delay in samples)
    assert len(samples) > 1  # spread, not one instant for every message


def test_failed_attempts_back_off_then_the_message_is_dead(channel, clock):
    message = write("retry")
    for attempt in (1, 2):
        outbox.dispatch(here=True)
        message.refresh_from_db()
        assert (message.state, message.attempts) == (State.PENDING, attempt)
        assert message.last_error == "503 from the receiver"
        wait = timedelta(minutes=2 ** (attempt - 1))
        assert clock.now + wait * 0.9 <= message.due_at <= clock.now + wait * 1.1
        assert outbox.dispatch(here=True) == 0  # not due before its backoff is over
        clock.now = message.due_at
    outbox.dispatch(here=True)
    assert row(message) == (State.DEAD, 3, "503 from the receiver")
    clock.advance(days=1)
    assert outbox.dispatch(here=True) == 0
    assert channel.delivered == Counter({message.pk: 3})


def test_retry_now_gives_a_dead_message_a_fresh_series(channel, clock):
    message = write("fail")
    outbox.dispatch(here=True)
    assert row(message) == (State.DEAD, 1, "410 gone")  # no retries for what cannot change
    OutboxMessage.objects.filter(pk=message.pk).update(payload={"answer": "sent"})
    assert outbox.retry_now(OutboxMessage.objects.filter(pk=message.pk)) == 1
    assert row(message) == (State.PENDING, 0, "410 gone")
    assert outbox.dispatch(here=True) == 1
    assert row(message) == (State.SENT, 1, "")


def test_exceptions_the_channel_lists_count_as_retry_or_fail(channel):
    retried, failed, fine = write("raise-retry"), write("raise-fail"), write()
    assert outbox.dispatch(here=True) == 3
    assert row(retried) == (State.PENDING, 1, "Unreachable: receiver down")
    assert row(failed) == (State.DEAD, 1, "Refused: never")
    assert row(fine) == (State.SENT, 1, "")


def test_a_handlers_bug_is_a_failed_attempt_and_its_batch_mates_are_still_sent(
    channel, clock, caplog
):
    faulty = write("raise-bug")
    clock.advance(seconds=1)
    behind = write("sent")

    outbox.dispatch(here=True)

    assert row(behind) == (State.SENT, 1, "")
    assert row(faulty) == (State.PENDING, 1, "RuntimeError: a bug in the handler")
    assert any(record.exc_info for record in caplog.records if record.name == outbox.__name__)
    for _attempt in range(BACKOFF.max_attempts - 1):
        clock.advance(hours=1)
        outbox.dispatch(here=True)
    assert row(faulty)[:2] == (State.DEAD, BACKOFF.max_attempts)
    assert channel.delivered == Counter({faulty.pk: BACKOFF.max_attempts, behind.pk: 1})


class SlowQueue:
    """The task queue when its workers are behind: tasks wait, in order, until `run_all`."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Any, ...]] = []

    def enqueue(self, *args: Any) -> None:
        self.waiting.append(args)

    def run_all(self) -> None:
        waiting, self.waiting = self.waiting, []
        for args in waiting:
            outbox.send(*args)


def test_a_message_that_waits_in_a_slow_task_queue_past_its_lease_is_sent_once_not_given_up(
    channel, clock, monkeypatch
):
    queue = SlowQueue()
    monkeypatch.setattr(outbox, "outbox_send", queue)
    message = write()
    # 24 minutes of backlog, five leases: the dispatch claims it again each time one runs out.
    for _minute in range(24):
        outbox.dispatch()
        clock.advance(minutes=1)
    assert len(queue.waiting) == 5 and row(message)[:2] == (State.SENDING, 0)

    queue.run_all()  # the workers catch up: the task holding the lease sends it

    assert channel.delivered == Counter({message.pk: 1})
    assert row(message) == (State.SENT, 1, "")


def test_of_the_tasks_a_slow_queue_holds_for_one_message_the_first_to_run_sends_it(
    channel, clock, monkeypatch
):
    queue = SlowQueue()
    monkeypatch.setattr(outbox, "outbox_send", queue)
    message = write()
    outbox.dispatch()
    clock.advance(minutes=6)
    outbox.dispatch()  # the first task's lease ran out: claimed again for a second task
    [first, second] = queue.waiting

    outbox.send(*first)
    assert row(message) == (State.SENT, 1, "")
    outbox.send(*second)
    assert channel.delivered == Counter({message.pk: 1})


def test_a_connection_that_cannot_be_opened_is_a_failed_attempt_for_the_batch(channel):
    messages = [write() for _n in range(2)]
    channel.connect_fails = True
    outbox.dispatch(here=True)
    assert [row(m) for m in messages] == [(State.PENDING, 1, "Unreachable: no route to host")] * 2
    assert channel.delivered == Counter()


def test_a_batch_shares_one_connection(channel):
    for _n in range(7):
        write()
    assert outbox.dispatch(here=True) == 7
    assert channel.opened == 3  # batches of 3, 3 and 1


def test_held_messages_wait_for_their_release_and_leave_oldest_first(channel, clock):
    first = write("hold")
    clock.advance(minutes=1)
    second = write("hold")
    outbox.dispatch(here=True)
    assert row(first) == row(second) == (State.HELD, 0, "endpoint off")  # nothing was tried
    clock.advance(days=3)
    assert outbox.dispatch(here=True) == 0  # held is not due, however long it waits
    OutboxMessage.objects.update(payload={"answer": "sent"})
    assert outbox.release(OutboxMessage.objects.all()) == 2
    first.refresh_from_db()
    assert (first.state, first.due_at) == (State.PENDING, first.created_at)
    [claimed_first, claimed_second] = outbox.claim(owner="a")
    assert (claimed_first.pk, claimed_second.pk) == (first.pk, second.pk)


def test_a_hold_released_while_it_was_decided_is_due_at_once(channel):
    message = write("hold-released-meanwhile")
    outbox.dispatch(here=True)
    assert row(message)[0] == State.PENDING


def test_hold_takes_only_pending_messages_and_cancel_is_not_a_failure(channel):
    pending, cancelled = write(), write("cancel")
    outbox.dispatch(here=True)
    sent = OutboxMessage.objects.get(pk=pending.pk)
    assert row(cancelled) == (State.CANCELLED, 1, "endpoint deleted")
    waiting = write()
    assert outbox.hold(OutboxMessage.objects.all(), reason="paused") == 1
    assert row(waiting) == (State.HELD, 0, "paused")
    assert row(sent)[0] == State.SENT


def test_discard_leaves_a_message_being_sent_to_its_sender(channel):
    sending, waiting = write(), write()
    outbox.claim(owner="a", ids=[sending.pk])
    assert outbox.discard(OutboxMessage.objects.all()) == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [sending.pk]
    assert not OutboxMessage.objects.filter(pk=waiting.pk).exists()


def test_a_message_whose_last_attempts_sender_died_is_dead_not_retried(channel, clock):
    message = write()
    for _attempt in range(3):
        outbox.claim(owner="dies")
        clock.advance(minutes=6)
    [claimed] = outbox.claim(owner="b")
    assert claimed.attempts == 4
    assert outbox.deliver([claimed], owner="b") == 0
    assert row(message) == (State.DEAD, 4, "the last attempt's sender stopped")
    assert channel.delivered == Counter()


def test_enqueue_sends_after_commit_and_only_then(channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue("test", {"answer": "sent"})
        later = outbox.enqueue("test", {}, due_at=timezone.now() + timedelta(hours=1))
        held = outbox.enqueue("test", {}, held=True)
        assert channel.delivered == Counter()
    assert channel.delivered == Counter({message.pk: 1})
    assert (row(message)[0], row(later)[0], row(held)[0]) == (
        State.SENT,
        State.PENDING,
        State.HELD,
    )
    with pytest.raises(LookupError):
        outbox.enqueue("no-such-channel", {})


def test_the_dispatch_job_is_registered_and_its_command_runs_it_once(channel):
    assert [job.every for job in scheduler.jobs() if job.name == "outbox_dispatch"] == [5]
    messages = [write() for _n in range(2)]
    out = StringIO()
    call_command("outbox_dispatch", "--here", stdout=out)
    assert out.getvalue() == "2 outbox message(s) claimed\n"
    assert [row(m)[0] for m in messages] == [State.SENT, State.SENT]
    # Through the task workers (inline in tests): the same, once.
    again = write()
    call_command("outbox_dispatch", stdout=StringIO())
    assert row(again)[0] == State.SENT
    assert set(channel.delivered.values()) == {1}


def test_the_admin_filters_messages_and_retries_holds_and_releases_them(channel):
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    dead, pending, held = write(state=State.DEAD, attempts=3), write(), write(state=State.HELD)
    url = reverse("admin:core_outboxmessage_changelist")
    page = client.get(url, {"state": "dead", "channel": "test"})
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [dead]

    def act(action: str, *messages: OutboxMessage) -> None:
        answer = client.post(url, {"action": action, "_selected_action": [m.pk for m in messages]})
        assert answer.status_code == 302

    act("hold", pending, dead)
    assert (row(pending)[0], row(dead)[0]) == (State.HELD, State.DEAD)
    act("release", pending, held)
    assert (row(pending)[0], row(held)[0]) == (State.PENDING, State.PENDING)
    act("retry_now", dead)
    assert row(dead) == (State.PENDING, 0, "")
    assert client.get(reverse("admin:core_outboxmessage_change", args=[dead.pk])).status_code == 200


def test_nobody_but_staff_reaches_the_admin(channel):
    message = write()
    client = Client()
    client.force_login(UserFactory.create())
    url = reverse("admin:core_outboxmessage_changelist")
    answer = client.post(url, {"action": "hold", "_selected_action": [message.pk]})
    assert answer.status_code == 302 and "/login/" in answer["Location"]
    assert row(message)[0] == State.PENDING


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_each_message_once(channel):
    """Real concurrency: two dispatchers, each on its own connection, claim side by side."""
    messages = [write() for _n in range(60)]
    claimed = run_together(*[lambda: outbox.dispatch(here=True, limit=20)] * 6, threads=2)
    assert sum(claimed) == 60
    assert channel.delivered == Counter({message.pk: 1 for message in messages})
    assert set(OutboxMessage.objects.values_list("state", "attempts")) == {(State.SENT, 1)}
