"""Sign-up, e-mail verification, log-in, log-out and password reset through allauth's real
views; the test outbox stands in for the mail server."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sites.models import Site
from django.core import mail
from django.urls import reverse

from essaim.accounts.models import User
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import GuestAction
from essaim.campaigns.selectors import signature_count
from essaim.campaigns.services.guest import confirmation_token, guest_act, guest_confirm
from essaim.campaigns.tests.factories import PledgeFactory
from essaim.core.site import site_row_update

pytestmark = pytest.mark.django_db

PASSWORD = "un-mot-de-passe-solide-2026"


def _link_in_last_mail(path_fragment: str) -> str:
    body = str(mail.outbox[-1].body)
    match = re.search(rf"https?://[^\s]+{path_fragment}[^\s]*", body)
    assert match, body
    return match.group(0).split("testserver", 1)[-1]


def test_sign_up_verify_log_out_and_log_in(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "camille@exemple.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": "Camille Dupont",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="camille@exemple.test")
    assert user.display_name == "Camille Dupont"
    assert user.handle == "camille-dupont"
    assert len(mail.outbox) == 1
    assert "camille@exemple.test" in mail.outbox[0].to

    # Not verified yet: mandatory verification keeps the door closed.
    assert client.get(reverse("accounts:settings")).status_code != 200

    confirm_url = _link_in_last_mail("/accounts/confirm-email/")
    assert client.get(confirm_url).status_code == 200
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert client.get(reverse("accounts:settings")).status_code == 200

    client.post(reverse("account_logout"))
    assert client.get(reverse("accounts:settings")).status_code == 302
    response = client.post(
        reverse("account_login"), {"login": "camille@exemple.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:settings")).status_code == 200


@pytest.fixture
def _site_cache_cleared():
    """The sites framework caches its row per process: the renamed one must not outlive the
    test's transaction."""
    yield
    Site.objects.clear_cache()


@pytest.mark.usefixtures("_site_cache_cleared")
def test_the_sign_up_email_carries_the_sites_name_from_the_settings(client, settings):
    """Django creates the sites row as "example.com"; every migrate (the test database's
    too) renames it after SITE_NAME and SITE_URL."""
    client.post(
        reverse("account_signup"),
        {
            "email": "camille@exemple.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": "Camille Dupont",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    [message] = mail.outbox
    assert "example.com" not in f"{message.subject} {message.body}"
    assert message.subject.startswith("[Essaim] ")
    assert message.body.startswith("Bonjour, c'est Essaim")
    # allauth's own French, with French typography (locale/overrides).
    assert message.body.endswith("Merci d'utiliser Essaim\u00a0!\n127.0.0.1:8000")

    settings.SITE_NAME, settings.SITE_URL = "Entraide 11e", "https://entraide11.example.org"
    site_row_update()
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": "camille@exemple.test"})
    [message] = mail.outbox
    assert message.body.startswith("Bonjour, c'est Entraide 11e")
    assert message.body.endswith("Entraide 11e\u00a0!\nentraide11.example.org")


def test_sign_up_without_a_display_name_is_refused_and_creates_nobody(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "x@exemple.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": " ",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="x@exemple.test").exists()
    assert mail.outbox == []


def test_a_handle_never_takes_a_reserved_word(client):
    for number in range(2):
        client.post(
            reverse("account_signup"),
            {
                "email": f"me{number}@exemple.test",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "display_name": "Me",
            },
        )
    handles = set(User.objects.values_list("handle", flat=True))
    assert len(handles) == 2
    assert "me" not in handles


def test_password_reset_by_e_mail(client):
    user = UserFactory.create(email="dom@exemple.test")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.post(reverse("account_reset_password"), {"email": "dom@exemple.test"})
    assert len(mail.outbox) == 1
    reset_url = _link_in_last_mail("/accounts/password/reset/key/")
    response = client.get(reset_url, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else reset_url
    response = client.post(
        form_url, {"password1": "nouveau-mot-de-passe-77", "password2": "nouveau-mot-de-passe-77"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("nouveau-mot-de-passe-77")


def test_log_in_page_renders_in_the_site_layout(client):
    html = client.get(reverse("account_login")).content.decode()
    assert 'class="site-header"' in html
    assert 'name="login"' in html


def test_language_follows_the_browser_then_the_profile(client):
    html = client.get(reverse("feed:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html and "Log in" in html
    html = client.get(reverse("feed:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr">' in html and "Se connecter" in html
    english_speaker = UserFactory.create(language="en")
    client.force_login(english_speaker)
    html = client.get(reverse("feed:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en">' in html


def test_the_language_switch_saves_the_profile_language(client):
    alice = UserFactory.create(language="fr")
    client.force_login(alice)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/aid/"})
    assert response.status_code == 302 and response["Location"] == "/aid/"
    alice.refresh_from_db()
    assert alice.language == "en"
    assert '<html lang="en">' in client.get("/aid/").content.decode()


RATE_LIMITED_FORMS = [
    (
        "login",
        "account_login",
        lambda n: {"login": f"nobody{n}@exemple.test", "password": "wrong-password"},
    ),
    (
        "signup",
        "account_signup",
        lambda n: {
            "email": f"new{n}@exemple.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": f"New {n}",
        },
    ),
    ("reset_password", "account_reset_password", lambda n: {"email": f"r{n}@exemple.test"}),
]


@pytest.mark.parametrize(("action", "url_name", "data"), RATE_LIMITED_FORMS)
def test_allauth_limits_count_the_visitor_behind_the_proxy_not_the_proxy(
    client, settings, action, url_name, data
):
    """Behind the documented proxy (PROXY_COUNT=1) every request reaches the app from the
    proxy's address: a limit counted on it would lock everyone out at once."""
    settings.PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {action: "2/m/ip"}
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"}
    statuses = [client.post(reverse(url_name), data(n), **attacker).status_code for n in range(3)]
    assert statuses[-1] == 429
    assert 429 not in statuses[:2]

    someone_else = client.post(
        reverse(url_name), data(9), **proxy, HTTP_X_FORWARDED_FOR="198.51.100.4"
    )
    assert someone_else.status_code != 429


def test_an_alias_of_a_bulk_created_address_is_that_account(client):
    """The demo creates its people in bulk (no save()): an alias of their address must still
    be the same account, not a second one."""
    User.objects.bulk_create(
        [User(email="lucie@demo.essaim.test", display_name="Lucie Moreau", handle="lucie-moreau")]
    )
    assert User.objects.get().email_canonical == "lucie@demo.essaim.test"
    response = client.post(
        reverse("account_signup"),
        {
            "email": "lucie+x@demo.essaim.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": "Lucie bis",
        },
    )
    assert response.status_code == 302
    assert list(User.objects.values_list("email", flat=True)) == ["lucie@demo.essaim.test"]


def _change_address(client, account: User, new: str):
    """Through allauth's pages: ask for `new`, then follow the link mailed to it."""
    client.force_login(account)
    assert client.get(reverse("account_email")).status_code == 200
    client.post(reverse("account_email"), {"action_add": "", "email": new})
    return client.post(_link_in_last_mail("/accounts/confirm-email/"), follow=True)


def test_a_changed_address_replaces_the_old_one_once_verified(client):
    account = UserFactory.create(email="ancienne@exemple.test")

    response = _change_address(client, account, "nouvelle@exemple.test")

    assert response.status_code == 200
    account.refresh_from_db()
    assert account.email == "nouvelle@exemple.test"
    assert account.email_canonical == "nouvelle@exemple.test"
    assert list(account.emailaddress_set.values_list("email", "verified")) == [
        ("nouvelle@exemple.test", True)
    ]


def test_an_address_a_stranger_typed_in_a_guest_form_is_taken_by_the_account_that_proves_it(
    client,
):
    pledge = PledgeFactory.create()
    typed = guest_act(target=pledge, email="nouvelle@exemple.test", name="Quelqu'un")
    account = UserFactory.create(email="ancienne@exemple.test")

    response = _change_address(client, account, "Nouvelle@exemple.test")

    assert response.status_code == 200
    account.refresh_from_db()
    assert account.email_canonical == "nouvelle@exemple.test"
    # The guest no one confirmed is forgotten with their pending action, never counted.
    assert not GuestAction.objects.filter(pk=typed.pk).exists()
    assert User.objects.get(pk=typed.user_id).deleted_at is not None
    assert signature_count(pledge) == 0
    # The address now acts as the account.
    assert guest_act(target=pledge, email="nouvelle@exemple.test", name="X").user_id == account.pk


@pytest.mark.parametrize("holder", ["account", "confirmed guest"])
def test_an_address_someone_else_is_known_by_is_refused_and_the_account_keeps_its_own(
    client, holder
):
    pledge = PledgeFactory.create()
    if holder == "account":
        UserFactory.create(email="prise@exemple.test")
    else:
        action = guest_act(target=pledge, email="prise@exemple.test", name="Invitée")
        guest_confirm(token=confirmation_token(action), campaign=pledge.campaign)
    account = UserFactory.create(email="ancienne@exemple.test")
    EmailAddress.objects.create(user=account, email=account.email, verified=True, primary=True)

    response = _change_address(client, account, "prise@exemple.test")

    assert response.status_code == 200
    told = [str(message) for message in response.context["messages"]]
    assert "autre personne" in response.text
    assert "Cette adresse est déjà celle d'une autre personne." in told
    account.refresh_from_db()
    assert account.email == "ancienne@exemple.test"
    assert account.emailaddress_set.get(verified=True).email == "ancienne@exemple.test"
    assert User.objects.filter(email="prise@exemple.test", deleted_at__isnull=True).count() == 1
