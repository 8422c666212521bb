"""What notifications say: in the reader's language, dates in the instance's time zone."""

import pytest
from django.utils import translation

from essaim.notifications.models import Notification
from essaim.notifications.texts import moderation_text, subject_of, text_of

Kind = Notification.Kind

SUSPENDED = {
    "action": "suspend",
    "summary": "un message de Karim",
    "reason": "spam",
    # As moderation stores it: UTC, ISO. 13:00 UTC is 14:00 in Paris in November.
    "until": "2026-11-25T13:00:00+00:00",
}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "fr",
            "Votre compte est suspendu jusqu'au 25 novembre 2026 14:00 à cause d'un message "
            "de Karim. Motif\u00a0: spam",
        ),
        (
            "en",
            "Your account is suspended until Nov. 25, 2026, 2 p.m. because of un message de "
            "Karim. Reason: spam",
        ),
    ],
)
def test_the_end_of_a_suspension_is_in_the_instances_time_zone_and_the_readers_language(
    language, text
):
    with translation.override(language):
        assert moderation_text(SUSPENDED) == text


@pytest.mark.parametrize(
    ("summary", "phrase"),
    [
        ("un message de Karim", "au sujet d'un message de Karim."),
        ("une annonce de Karim", "au sujet d'une annonce de Karim."),
        ("Inès", "au sujet d'Inès."),
        ("la personne Karim", "au sujet de la personne Karim."),
        ("le fil de Karim", "au sujet du fil de Karim."),
        ("les messages de Karim", "au sujet des messages de Karim."),
        ("Karim", "au sujet de Karim."),
    ],
)
def test_french_contracts_de_with_the_summary(summary, phrase):
    with translation.override("fr"):
        text = moderation_text({"action": "warn", "summary": summary, "reason": "x"})
    assert text == f"Les modérateurs vous ont averti {phrase} Motif\u00a0: x"


def test_only_the_de_before_the_summary_contracts_not_the_words_of_the_people():
    params = {"action": "warn", "summary": "un message de un ami", "reason": "de un"}
    with translation.override("fr"):
        assert moderation_text(params) == (
            "Les modérateurs vous ont averti au sujet d'un message de un ami. Motif\u00a0: de un"
        )
    with translation.override("en"):
        assert moderation_text(params) == (
            "The moderators warned you about un message de un ami. Reason: de un"
        )


def test_a_subject_is_one_line_whatever_the_params():
    notification = Notification(
        kind=Kind.CAMPAIGN_MILESTONE,
        params={"campaign": "Fontaines\n\tpropres", "count": 100, "counted": "signatures"},
    )
    assert subject_of(notification) == "Fontaines propres: 100 signatures!"
    assert "\n" in text_of(notification)  # the body keeps what was written
