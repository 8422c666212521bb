from django.db.models import QuerySet

from essaim.accounts.models import User
from essaim.notifications.models import Frequency, Notification, Preference

Kind = Notification.Kind

# What each kind does until the person chooses: what needs acting on soon comes at once,
# news that can wait comes in the day's digest.
DEFAULT_FREQUENCY: dict[str, str] = {
    Kind.RELAY_MILESTONE: Frequency.DAILY,
    Kind.MODERATION_DECISION: Frequency.IMMEDIATELY,
    Kind.REPORT_OUTCOME: Frequency.DAILY,
    Kind.APPEAL_DECIDED: Frequency.IMMEDIATELY,
    Kind.EVENT_REMINDER: Frequency.IMMEDIATELY,
    Kind.EVENT_PROMOTED: Frequency.IMMEDIATELY,
    Kind.EVENT_ALTERED: Frequency.IMMEDIATELY,
    Kind.CHALLENGE_PROMPT: Frequency.IMMEDIATELY,
    Kind.FUNDRAISER_NEAR_GOAL: Frequency.IMMEDIATELY,
    Kind.AID_MATCH: Frequency.IMMEDIATELY,
    Kind.CAMPAIGN_MILESTONE: Frequency.IMMEDIATELY,
    Kind.WEBHOOK_DISABLED: Frequency.IMMEDIATELY,
    Kind.HOST_INVITATION: Frequency.IMMEDIATELY,
}

# Reminders that are only worth reading on the day, before the moment: a digest would bring
# them the next morning, once the event has started or the day's challenge is over. They come
# at once or not at all, which the preferences table shows (rather than a digest that would
# quietly drop them, leaving a setting that does nothing).
TIME_SENSITIVE: frozenset[str] = frozenset({Kind.EVENT_REMINDER, Kind.CHALLENGE_PROMPT})
DIGEST_FREQUENCIES: frozenset[str] = frozenset({Frequency.DAILY, Frequency.WEEKLY})


def frequencies_allowed(kind: str) -> list[str]:
    """The frequencies a person may choose for `kind`, in the order of the table."""
    if kind in TIME_SENSITIVE:
        return [Frequency.IMMEDIATELY.value, Frequency.OFF.value]
    return list(Frequency.values)


def _effective(kind: str, frequency: str) -> str:
    # A digest saved for a time-sensitive kind before they were refused: the person wanted
    # these e-mails, and at once is the only way they still help.
    if kind in TIME_SENSITIVE and frequency in DIGEST_FREQUENCIES:
        return Frequency.IMMEDIATELY.value
    return frequency


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def frequency_for(user: User, kind: str) -> str:
    chosen = (
        Preference.objects.filter(user=user, kind=kind).values_list("frequency", flat=True).first()
    )
    return _effective(kind, chosen or DEFAULT_FREQUENCY.get(kind, Frequency.IMMEDIATELY))


def frequencies_of(user_ids: list[int]) -> dict[int, dict[str, str]]:
    """Every kind's frequency for each of these people, defaults included, in one query."""
    chosen: dict[int, dict[str, str]] = {pk: dict(DEFAULT_FREQUENCY) for pk in user_ids}
    for user_id, kind, frequency in Preference.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "kind", "frequency"
    ):
        chosen[user_id][kind] = _effective(kind, frequency)
    return chosen


def preferences_for(user: User) -> list[tuple[str, str, str]]:
    """(kind, label, frequency) for the preferences table, in the order of the kinds."""
    chosen = frequencies_of([user.pk])[user.pk]
    return [(kind.value, str(kind.label), chosen[kind.value]) for kind in Kind]


def pushed_kinds(user: User) -> set[str]:
    """The kinds `user` has pushed to their devices (none until they ask)."""
    return set(Preference.objects.filter(user=user, push=True).values_list("kind", flat=True))
