"""The suspicious-signatures page under the campaign's manage area: the form, its preview
(htmx and plain GET), the batch, its restore; refused to everyone else, with nothing
changed."""

import pytest
from django.urls import reverse

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Signature, SignatureInvalidation
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.selectors.invalidation import Criteria
from essaim.campaigns.services.guest import confirmation_token, guest_act, guest_confirm
from essaim.campaigns.services.invalidation import signatures_invalidate
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.campaigns.tests.guest_support import form_data
from essaim.campaigns.tests.test_invalidation import SPAM_NETWORK, crowd, guest
from essaim.moderation.models import Action

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge():
    the_pledge = PledgeFactory.create()
    crowd(the_pledge)
    return the_pledge


def _url(pledge) -> str:
    return reverse("campaigns:invalidations", args=[pledge.campaign.slug])


def _post(client, pledge, **fields):
    return client.post(
        _url(pledge), {"reason": "Vague de robots", "key": "form-1", **fields}, follow=True
    )


def test_a_host_previews_without_javascript_and_with_htmx_and_reads_masked_addresses(
    client, pledge
):
    client.force_login(pledge.campaign.created_by)

    page = client.get(_url(pledge), {"preview": "1", "network": "198.51.100.9"})
    fragment = client.get(
        _url(pledge), {"preview": "1", "network": SPAM_NETWORK}, headers={"HX-Request": "true"}
    )

    assert page.status_code == fragment.status_code == 200
    assert page.context["preview"] == fragment.context["preview"] == 3
    assert "<html" in page.text and "<html" not in fragment.text
    for answer in (page, fragment):
        assert "•••@spam.test" in answer.text
        assert "bot0@spam.test" not in answer.text
    assert signature_count(pledge) == 6


def test_a_host_reads_in_the_preview_only_the_names_of_guests_who_agreed_to_hear_from_them(
    client,
):
    pledge = PledgeFactory.create()
    for email, name, agreed in (
        ("zoe@spam.test", "Zoé Discrète", False),
        ("yann@spam.test", "Yann Ouvert", True),
    ):
        action = guest_act(target=pledge, email=email, name=name, hear_from_hosts=agreed)
        guest_confirm(token=confirmation_token(action), campaign=pledge.campaign)
    query = {"preview": "1", "email_domain": "spam.test"}

    client.force_login(pledge.campaign.created_by)
    hosts = client.get(_url(pledge), query)
    client.force_login(UserFactory.create(is_staff=True))
    staffs = client.get(_url(pledge), query)

    assert hosts.context["preview"] == staffs.context["preview"] == 2
    assert "Zoé Discrète" not in hosts.text and "Un soutien sans compte" in hosts.text
    assert "Yann Ouvert" in hosts.text
    assert "Zoé Discrète" in staffs.text and "zoe@spam.test" in staffs.text


def test_a_preview_of_a_window_out_of_any_plausible_range_is_a_form_error(client, pledge):
    client.force_login(pledge.campaign.created_by)

    page = client.get(_url(pledge), {"preview": "1", "signed_from": "0001-01-01T00:00"})

    assert page.status_code == 200
    assert "Choisissez une date" in page.context["form"].errors["signed_from"][0]
    assert "preview" not in page.context or page.context["preview"] is None


def test_a_moderator_reads_the_addresses_in_the_preview(client, pledge):
    client.force_login(UserFactory.create(is_staff=True))

    page = client.get(_url(pledge), {"preview": "1", "email_domain": "spam.test"})

    assert page.status_code == 200
    assert "bot0@spam.test" in page.text


def test_a_host_invalidates_a_batch_then_restores_it(client, pledge):
    client.force_login(pledge.campaign.created_by)

    answer = _post(client, pledge, network=SPAM_NETWORK)
    # The form sent again (a double click): the same batch, nothing more.
    _post(client, pledge, network=SPAM_NETWORK)

    assert answer.status_code == 200
    batch = SignatureInvalidation.objects.get()
    assert (batch.count, batch.network, batch.reason) == (3, SPAM_NETWORK, "Vague de robots")
    assert signature_count(pledge) == 3
    assert f'data-testid="batch-{batch.pk}"' in answer.text

    restored = client.post(
        reverse("campaigns:invalidation_restore", args=[pledge.campaign.slug, batch.pk]),
        follow=True,
    )

    assert restored.status_code == 200
    assert signature_count(pledge) == 6
    assert Action.objects.filter(kind=Action.Kind.REVALIDATE).count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Choose at least one criterion"),
        ({"network": "10.0.0.0/8"}, "/24"),
        ({"network": SPAM_NETWORK, "reason": ""}, "Say why"),
        ({"signed_from": "2026-12-03T10:00", "signed_until": "2026-12-03T09:00"}, "window"),
        ({"signed_from": "pas une date"}, "Enter a valid date/time"),
        # Before UTC's first year once out of Paris time: an overflow on SQLite, not a 500.
        ({"signed_from": "0001-01-01T00:00"}, "years of today"),
        ({"signed_until": "9999-12-31T23:59"}, "years of today"),
    ],
)
def test_bad_input_is_a_clear_error_that_sets_nothing_aside(client, pledge, fields, message):
    host = pledge.campaign.created_by
    host.language = "en"
    host.save(update_fields=["language"])
    client.force_login(host)

    answer = client.post(_url(pledge), {"reason": "Vague", "key": "k", **fields})

    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not SignatureInvalidation.objects.exists()
    assert signature_count(pledge) == 6


def test_everything_needs_its_tick_and_then_leaves_account_holders_counted(client, pledge):
    client.force_login(pledge.campaign.created_by)

    _post(client, pledge, everything="on")

    assert SignatureInvalidation.objects.get().count == 5
    assert signature_count(pledge) == 1


@pytest.mark.parametrize("who", ["anonymous", "outsider", "member of the crowd"])
def test_who_is_neither_host_nor_moderator_finds_no_page_and_changes_nothing(client, pledge, who):
    batch = signatures_invalidate(
        actor=pledge.campaign.created_by,
        pledge=pledge,
        criteria=Criteria(network=SPAM_NETWORK),
        reason="Vague",
    )
    assert batch is not None
    if who == "outsider":
        client.force_login(UserFactory.create())
    if who == "member of the crowd":
        client.force_login(Signature.objects.filter(invalidation__isnull=True).latest("pk").user)

    page = client.get(_url(pledge), {"preview": "1", "network": SPAM_NETWORK})
    posted = client.post(_url(pledge), {"reason": "x", "key": "k", "email_domain": "exemple.test"})
    restore = client.post(
        reverse("campaigns:invalidation_restore", args=[pledge.campaign.slug, batch.pk])
    )

    expected = 302 if who == "anonymous" else 404
    assert (page.status_code, posted.status_code, restore.status_code) == (expected,) * 3
    assert SignatureInvalidation.objects.filter(restored_at__isnull=True).count() == 1
    assert signature_count(pledge) == 3


def test_a_batch_of_another_pledge_is_not_found(client, pledge):
    other = PledgeFactory.create()
    guest(other, "bot9@spam.test", SPAM_NETWORK)
    batch = signatures_invalidate(
        actor=other.campaign.created_by,
        pledge=other,
        criteria=Criteria(network=SPAM_NETWORK),
        reason="Vague",
    )
    assert batch is not None
    client.force_login(pledge.campaign.created_by)

    answer = client.post(
        reverse("campaigns:invalidation_restore", args=[pledge.campaign.slug, batch.pk])
    )

    assert answer.status_code == 404
    assert signature_count(other) == 0


def test_the_set_aside_signer_reads_so_on_the_pledge_and_has_no_withdraw_button(client, pledge):
    signatures_invalidate(
        actor=pledge.campaign.created_by,
        pledge=pledge,
        criteria=Criteria(network=SPAM_NETWORK),
        reason="Vague",
    )
    bot = Signature.objects.filter(invalidation__isnull=False).earliest("pk").user
    client.force_login(bot)

    page = client.get(pledge.campaign.get_absolute_url())
    withdraw = client.post(reverse("campaigns:unsign", args=[pledge.campaign.slug]))

    assert 'data-testid="set-aside"' in page.text
    assert reverse("campaigns:unsign", args=[pledge.campaign.slug]) not in page.text
    assert withdraw.status_code == 400
    assert signature_count(pledge) == 3


def test_the_manage_page_links_to_the_suspicious_signatures(client, pledge):
    client.force_login(pledge.campaign.created_by)

    page = client.get(reverse("campaigns:manage", args=[pledge.campaign.slug]))

    assert _url(pledge) in page.text


def test_staff_read_the_batches_in_the_admin_where_no_one_edits_them(admin_client, pledge):
    batch = signatures_invalidate(
        actor=pledge.campaign.created_by,
        pledge=pledge,
        criteria=Criteria(network=SPAM_NETWORK),
        reason="Vague",
    )
    assert batch is not None

    listing = admin_client.get(reverse("admin:campaigns_signatureinvalidation_changelist"))
    add = admin_client.get(reverse("admin:campaigns_signatureinvalidation_add"))
    delete = admin_client.post(
        reverse("admin:campaigns_signatureinvalidation_delete", args=[batch.pk]), {"post": "yes"}
    )

    assert (listing.status_code, add.status_code, delete.status_code) == (200, 403, 403)
    assert signature_count(pledge) == 3


def test_a_set_aside_guests_address_sent_again_counts_nothing_and_tells_nothing(
    client, pledge, settings
):
    """Whoever sends the form may not be the address's owner: they read the same "check
    your e-mail" as for a new address; the owner reads it is set aside on their data page."""
    settings.CAMPAIGNS_GUEST_MIN_SECONDS = 0
    signatures_invalidate(
        actor=pledge.campaign.created_by,
        pledge=pledge,
        criteria=Criteria(network=SPAM_NETWORK),
        reason="Vague",
    )

    answer = client.post(
        reverse("campaigns:guest_sign", args=[pledge.campaign.slug]),
        form_data(name="Bot", email="bot0@spam.test"),
        follow=True,
    )

    assert answer.status_code == 200
    assert 'data-testid="guest-pending"' in answer.text
    assert 'data-testid="set-aside"' not in answer.text
    assert signature_count(pledge) == 3


def test_the_api_tells_a_set_aside_signer_and_refuses_the_withdrawal(client, pledge):
    signatures_invalidate(
        actor=pledge.campaign.created_by,
        pledge=pledge,
        criteria=Criteria(network=SPAM_NETWORK),
        reason="Vague",
    )
    bot = Signature.objects.filter(invalidation__isnull=False).earliest("pk").user
    client.force_login(bot)
    url = f"/api/v1/campaigns/{pledge.campaign.slug}/pledge"

    state = client.get(url).json()
    withdraw = client.delete(f"{url}/signature")

    assert (state["signed"], state["set_aside"], state["count"]) == (True, True, 3)
    assert withdraw.status_code == 400 and withdraw.json()["detail"]
    assert signature_count(pledge) == 3
