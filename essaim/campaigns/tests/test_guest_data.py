"""A guest's own data, from the link in every e-mail they get: they see what they gave,
download it and delete it; a broken, expired or foreign link shows and changes nothing."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import GuestAction, Pledge, Signature
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.services import guest as guest_services
from essaim.campaigns.services import guest_data
from essaim.campaigns.services.guest import guest_act
from essaim.campaigns.services.invalidation import criteria_clean, signatures_invalidate
from essaim.campaigns.tests.factories import ChallengeFactory, EventFactory, PledgeFactory
from essaim.core import outbox
from essaim.core.errors import NotFound, PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db

ADDRESS = "nour.haddad@exemple.test"


def _signed_guest(pledge: Pledge, *, confirm: bool = True, **extra: object) -> GuestAction:
    signature = guest_act(target=pledge, email=ADDRESS, name="Nour Haddad", **extra)  # type: ignore[arg-type]
    # What the task workers do once the post commits: the confirmation e-mail leaves.
    outbox.dispatch(here=True)
    if confirm:
        guest_services.guest_confirm(
            token=guest_services.confirmation_token(signature), campaign=pledge.campaign
        )
    return signature


def _token_at(payload: list[object], signed_at: float) -> str:
    signer = signing.TimestampSigner(salt=guest_data.DATA_SALT)
    signer.timestamp = lambda: signing.b62_encode(int(signed_at))  # type: ignore[method-assign]
    return signer.sign_object(payload, compress=True)


def _token_in(body: str) -> str:
    found = re.search(r"https?://[^/\s]+/campaigns/guest-data/([^/\s]+)/", body)
    assert found, body
    return found.group(1)


def _url(token: str, name: str = "campaigns:guest_data") -> str:
    return reverse(name, args=[token])


# Services -----------------------------------------------------------------------------------


def test_the_link_names_its_guest_and_nobody_else():
    pledge = PledgeFactory.create()
    signature = _signed_guest(pledge)
    guest = User.objects.get(pk=signature.user_id)
    other = UserFactory.create()

    assert guest_data.person_for_data_token(guest_data.data_token(guest)) == guest
    assert guest_data.manages_by_link(guest)
    assert not guest_data.manages_by_link(other)
    # The address is in the link only as a keyed digest.
    assert "nour" not in guest_data.data_token(guest).lower()


def test_bad_links_are_refused_with_the_right_error(settings):
    settings.CAMPAIGNS_GUEST_DATA_LINK_DAYS = 30
    guest = User.objects.get(pk=_signed_guest(PledgeFactory.create()).user_id)
    other = UserFactory.create()
    token = guest_data.data_token(guest)
    digest = signing.loads(token, salt=guest_data.DATA_SALT)[1]
    cases = [
        (token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"), ValidationError),
        (signing.dumps([guest.pk, digest], salt="une-autre-clé"), ValidationError),
        (
            _token_at([guest.pk, digest], (timezone.now() - timedelta(days=31)).timestamp()),
            ValidationError,
        ),
        # Well signed, but for another person than the address it was sent to.
        (signing.dumps([other.pk, digest], salt=guest_data.DATA_SALT), PermissionDenied),
        (signing.dumps([10**9, digest], salt=guest_data.DATA_SALT), NotFound),
    ]
    for bad, error in cases:
        with pytest.raises(error):
            guest_data.person_for_data_token(bad)


def test_deleting_withdraws_every_action_and_erases_the_guest_once():
    pledge = PledgeFactory.create()
    signature = _signed_guest(pledge)
    pending = _signed_guest(PledgeFactory.create(), confirm=False)
    guest = User.objects.get(pk=signature.user_id)
    assert pending.user_id == guest.pk and signature_count(pledge) == 1

    assert guest_data.guest_data_erase(person=guest) is True
    assert guest_data.guest_data_erase(person=guest) is False

    guest.refresh_from_db()
    assert guest.deleted_at is not None and ADDRESS not in guest.email
    assert guest.display_name != "Nour Haddad"
    assert not GuestAction.objects.exists() and not Signature.objects.exists()
    assert signature_count(pledge) == 0
    with pytest.raises(NotFound):
        guest_data.person_for_data_token(guest_data.data_token(guest))


def test_an_account_is_managed_from_the_account_not_by_the_link():
    account = UserFactory.create(email=ADDRESS)
    _signed_guest(PledgeFactory.create())
    with pytest.raises(PermissionDenied):
        guest_data.guest_data_erase(person=account)
    with pytest.raises(PermissionDenied):
        guest_data.guest_data_export(person=account)
    account.refresh_from_db()
    assert account.deleted_at is None and Signature.objects.filter(user=account).exists()


def test_every_guest_email_carries_the_link_in_the_guests_language():
    pledge = PledgeFactory.create()
    guest_act(target=pledge, email=ADDRESS, name="Nour", language="en")
    outbox.dispatch(here=True)
    assert len(mail.outbox) == 1
    guest = User.objects.get(email_canonical=ADDRESS)
    body = str(mail.outbox[0].body)
    assert guest_data.person_for_data_token(_token_in(body)) == guest
    assert "To see what you gave" in body

    guest.language = "fr"
    email = guest_data.guest_email(
        person=guest,
        subject=gettext_lazy("Confirm your signature: %(title)s"),
        template="campaigns/email/guest_confirm.txt",
        context={"title": "Zéro déchet", "campaign": pledge.campaign, "url": "/", "hours": 1},
        message_id="test-1",
    )
    assert email.subject == "Confirmez votre signature : Zéro déchet"
    assert "Pour voir ce que vous avez donné" in str(email.body)
    assert guest_data.person_for_data_token(_token_in(str(email.body))) == guest


# Views --------------------------------------------------------------------------------------


def _link_from_mail() -> str:
    found = re.search(r"https?://[^/\s]+(/campaigns/guest-data/\S+/)", str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    return found.group(1)


def test_the_page_shows_what_the_guest_gave_and_a_get_never_deletes(client):
    pledge = PledgeFactory.create()
    pledge.campaign.consent_text = "J'accepte que le collectif garde mon nom."
    pledge.campaign.save()
    _signed_guest(pledge, postcode="75011", hear_from_hosts=True)
    url = _link_from_mail()
    client.cookies["django_language"] = "en"

    # What a mail scanner does: open every link. Nothing happens.
    for _visit in range(2):
        page = client.get(url)
        assert page.status_code == 200
    content = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert page["Referrer-Policy"] == "no-referrer"
    assert pledge.campaign.title in content and "Nour Haddad" in content and ADDRESS in content
    assert "J&#x27;accepte que le collectif garde mon nom." in content
    assert "75011" in content
    assert 'data-testid="guest-action-status">confirmed<' in content
    assert User.objects.get(email_canonical=ADDRESS).deleted_at is None
    assert Signature.objects.count() == 1


def test_the_export_is_the_account_export_as_a_download(client):
    _signed_guest(PledgeFactory.create(), postcode="75011")
    response = client.get(_link_from_mail() + "export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="essaim-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == ADDRESS
    rows = data["campaigns"]["actions_without_an_account"]
    assert [row["postcode"] for row in rows] == ["75011"]
    assert data["campaigns"]["signatures"][0]["campaign"]


@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_deleting_needs_the_tick_then_deletes_once(client, htmx):
    pledge = PledgeFactory.create()
    _signed_guest(pledge)
    url = _link_from_mail()
    headers = {"HX-Request": "true"} if htmx else {}
    client.cookies["django_language"] = "en"

    unticked = client.post(url, {}, headers=headers)
    assert unticked.status_code == 400
    assert "Tick the box to confirm the deletion." in unticked.content.decode()
    assert ("<html" in unticked.content.decode()) is not htmx
    assert Signature.objects.count() == 1

    deleted = client.post(url, {"confirm": "on"}, headers=headers)
    assert deleted.status_code == 200
    assert 'data-testid="guest-data-deleted"' in deleted.content.decode()
    assert ("<html" in deleted.content.decode()) is not htmx
    assert not Signature.objects.exists() and signature_count(pledge) == 0
    assert not User.objects.filter(email_canonical=ADDRESS).exists()

    # Sent again: a clear answer, nothing more to delete.
    again = client.post(url, {"confirm": "on"}, headers=headers)
    assert again.status_code == 404
    assert "Nothing is kept for this link any more" in again.content.decode()
    assert client.get(url).status_code == 404
    assert client.get(url + "export/").status_code == 404


def test_bad_links_get_a_clear_page_and_change_nothing(client, settings):
    settings.CAMPAIGNS_GUEST_DATA_LINK_DAYS = 30
    _signed_guest(PledgeFactory.create())
    guest = User.objects.get(email_canonical=ADDRESS)
    sam = User.objects.get(
        pk=guest_act(target=PledgeFactory.create(), email="sam@exemple.test", name="Sam").user_id
    )
    token = guest_data.data_token(guest)
    digest = signing.loads(token, salt=guest_data.DATA_SALT)[1]
    expired = _token_at([guest.pk, digest], (timezone.now() - timedelta(days=31)).timestamp())
    cases = [
        (expired, 400, "This link has expired"),
        (token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"), 400, "is not valid"),
        ("n-importe-quoi", 400, "is not valid"),
        (signing.dumps([sam.pk, digest], salt=guest_data.DATA_SALT), 403, "another address"),
    ]
    client.cookies["django_language"] = "en"
    for bad, status, says in cases:
        for response in (
            client.get(_url(bad)),
            client.post(_url(bad), {"confirm": "on"}),
            client.post(_url(bad), {"confirm": "on"}, headers={"HX-Request": "true"}),
            client.get(_url(bad, "campaigns:guest_data_export")),
        ):
            assert response.status_code == status, (bad, response.status_code)
            assert says in response.content.decode()
            assert ADDRESS not in response.content.decode()
    assert User.objects.filter(deleted_at__isnull=False).count() == 0
    assert Signature.objects.count() == 1 and GuestAction.objects.count() == 2


def test_an_accounts_link_points_to_the_account_and_deletes_nothing(client):
    account = UserFactory.create(email=ADDRESS)
    _signed_guest(PledgeFactory.create())
    url = _link_from_mail()
    client.cookies["django_language"] = "en"

    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="guest-data-account"' in page.content.decode()
    assert 'data-testid="guest-data-delete"' not in page.content.decode()
    assert client.post(url, {"confirm": "on"}).status_code == 403
    assert client.get(url + "export/").status_code == 403
    account.refresh_from_db()
    assert account.deleted_at is None and Signature.objects.filter(user=account).exists()


def test_the_french_page(client):
    _signed_guest(PledgeFactory.create(), confirm=False)
    client.cookies["django_language"] = "fr"
    content = client.get(_link_from_mail()).content.decode()
    assert "Ce que vous avez donné" in content
    assert "en attente de confirmation" in content


def test_a_set_aside_signature_shows_as_such_and_its_guest_can_still_delete(client):
    pledge = PledgeFactory.create()
    _signed_guest(pledge)
    url = _link_from_mail()
    batch = signatures_invalidate(
        actor=pledge.campaign.created_by,
        pledge=pledge,
        criteria=criteria_clean(email_domain="exemple.test"),
        reason="Vague",
    )
    assert batch is not None and signature_count(pledge) == 0
    client.cookies["django_language"] = "en"

    page = client.get(url).content.decode()
    assert "set aside as part of a suspicious batch: not counted" in page

    assert client.post(url, {"confirm": "on"}).status_code == 200
    assert not Signature.objects.exists() and signature_count(pledge) == 0
    assert not GuestAction.objects.exists()


def test_every_guest_email_template_carries_the_link():
    """A new guest e-mail (guest_email's templates) cannot forget the data link."""
    folder = Path(guest_data.__file__).parents[1] / "templates" / "campaigns" / "email"
    templates = sorted(folder.glob("guest_*.txt"))
    assert templates
    for template in templates:
        assert '{% include "campaigns/email/_guest_footer.txt" %}' in template.read_text(), template


def test_the_page_names_each_kind_of_action_with_its_target(client):
    event = EventFactory.create(title="Ramassage des berges")
    challenge = ChallengeFactory.create(campaign=event.campaign)
    guest_act(target=event, email=ADDRESS, name="Nour")
    guest_act(target=challenge, email=ADDRESS, name="Nour")
    outbox.dispatch(here=True)
    client.cookies["django_language"] = "en"
    content = client.get(_link_from_mail()).content.decode()
    assert content.count('data-testid="guest-action"') == 2
    assert "RSVP · " in content and "Ramassage des berges" in content
    assert "Challenge participation · " in content
