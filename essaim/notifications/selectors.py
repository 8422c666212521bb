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
    Kind.CHALLENGE_PROMPT: Frequency.IMMEDIATELY,
    Kind.FUNDRAISER_NEAR_GOAL: Frequency.IMMEDIATELY,
    Kind.AID_MATCH: Frequency.IMMEDIATELY,
    Kind.CAMPAIGN_MILESTONE: Frequency.IMMEDIATELY,
    Kind.WEBHOOK_DISABLED: Frequency.IMMEDIATELY,
}


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def frequency_for(user: User, kind: str) -> str:
    chosen = (
        Preference.objects.filter(user=user, kind=kind).values_list("frequency", flat=True).first()
    )
    return chosen or DEFAULT_FREQUENCY.get(kind, Frequency.IMMEDIATELY)


def frequencies_of(user_ids: list[int]) -> dict[int, dict[str, str]]:
    """Every kind's frequency for each of these people, defaults included, in one query."""
    chosen: dict[int, dict[str, str]] = {pk: dict(DEFAULT_FREQUENCY) for pk in user_ids}
    for user_id, kind, frequency in Preference.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "kind", "frequency"
    ):
        chosen[user_id][kind] = frequency
    return chosen


def preferences_for(user: User) -> list[tuple[str, str, str]]:
    """(kind, label, frequency) for the preferences table, in the order of the kinds."""
    chosen = frequencies_of([user.pk])[user.pk]
    return [(kind.value, str(kind.label), chosen[kind.value]) for kind in Kind]
