import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from essaim.accounts.models import User, UserFollow
from essaim.accounts.services import DELETED_DISPLAY_NAME
from essaim.accounts.tests.factories import UserFactory, UserFollowFactory
from essaim.core.tests.xss import XSS_PAYLOADS, dangerous_markup

pytestmark = pytest.mark.django_db


def _image(image_format: str = "PNG", size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, format=image_format)
    return buffer.getvalue()


def _settings_post(client, **overrides):
    data = {"display_name": "Alice Martin", "bio": "", "city": "Lyon", "language": "fr"}
    data.update(overrides)
    return client.post(reverse("accounts:settings"), data)


def test_profile_shows_name_and_never_the_e_mail(client):
    alice = UserFactory.create(display_name="Alice Martin", email="alice.secret@exemple.test")
    other = UserFactory.create()
    for viewer in (None, other, alice):
        client.logout()
        if viewer:
            client.force_login(viewer)
        html = client.get(alice.get_absolute_url()).content.decode()
        assert "Alice Martin" in html
        assert ("alice.secret@exemple.test" in html) is False


def test_unknown_or_deleted_profile_is_404(client):
    assert client.get(reverse("accounts:profile", args=["personne"])).status_code == 404
    gone = UserFactory.create(is_active=False)
    assert client.get(gone.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_follow_and_unfollow_in_one_click_idempotent(client, htmx):
    alice, bruno = UserFactory.create(), UserFactory.create()
    client.force_login(alice)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    url = reverse("accounts:follow", args=[bruno.handle])
    for _repeat in range(2):
        response = client.post(url, {"next": "/communities/"}, **headers)
        if htmx:
            assert response.status_code == 200
            html = response.content.decode()
            assert "<html" not in html and 'aria-pressed="true"' in html
            assert "1 follower" in html or "1 abonné" in html
        else:
            assert response.status_code == 302 and response["Location"] == "/communities/"
    assert UserFollow.objects.filter(follower=alice, followed=bruno).count() == 1
    for _repeat in range(2):
        client.post(reverse("accounts:unfollow", args=[bruno.handle]), **headers)
    assert not UserFollow.objects.exists()


def test_follow_refuses_an_open_redirect_and_self_follow(client):
    alice, bruno = UserFactory.create(), UserFactory.create()
    client.force_login(alice)
    response = client.post(
        reverse("accounts:follow", args=[bruno.handle]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == bruno.get_absolute_url()
    response = client.post(
        reverse("accounts:follow", args=[alice.handle]), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()
    assert not UserFollow.objects.filter(follower=alice, followed=alice).exists()


def test_anonymous_follow_goes_to_log_in_and_changes_nothing(client):
    bruno = UserFactory.create()
    response = client.post(reverse("accounts:follow", args=[bruno.handle]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not UserFollow.objects.exists()
    assert client.get(reverse("accounts:follow", args=[bruno.handle])).status_code in (302, 405)


def test_followers_and_following_lists(client):
    alice = UserFactory.create(display_name="Alice")
    fans = UserFactory.create_batch(3)
    for fan in fans:
        UserFollowFactory.create(follower=fan, followed=alice)
    html = client.get(reverse("accounts:followers", args=[alice.handle])).content.decode()
    for fan in fans:
        assert fan.display_name in html and fan.email not in html
    html = client.get(reverse("accounts:following", args=[fans[0].handle])).content.decode()
    assert "Alice" in html


def test_settings_saves_profile_and_language(client):
    alice = UserFactory.create()
    client.force_login(alice)
    response = _settings_post(client, bio="J'aime **aider**", language="en")
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.display_name, alice.city, alice.language) == ("Alice Martin", "Lyon", "en")
    html = client.get(alice.get_absolute_url()).content.decode()
    assert "<strong>aider</strong>" in html


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP"])
def test_avatar_upload_accepts_real_images(client, image_format):
    alice = UserFactory.create()
    client.force_login(alice)
    upload = SimpleUploadedFile("moi.bin", _image(image_format), content_type="application/x-foo")
    assert _settings_post(client, avatar=upload).status_code == 302
    alice.refresh_from_db()
    assert alice.avatar.name.startswith("avatars/")
    assert alice.avatar.name.endswith(
        {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}[image_format]
    )


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.svg"),
        (b"GIF89a not really", "x.png"),
        (b"\x89PNG\r\n\x1a\n broken", "x.png"),
        (_image("GIF"), "x.gif"),
        (_image("PNG", (4100, 10)), "wide.png"),
    ],
    ids=["svg", "fake", "broken-png", "gif", "too-many-pixels"],
)
def test_avatar_upload_refuses_what_is_not_an_acceptable_image(client, content, name):
    alice = UserFactory.create(display_name="Alice")
    client.force_login(alice)
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = _settings_post(client, avatar=upload, display_name="Nouveau nom")
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    alice.refresh_from_db()
    assert not alice.avatar and alice.display_name == "Alice"


def test_avatar_over_two_megabytes_is_refused(client, settings):
    alice = UserFactory.create()
    client.force_login(alice)
    big = _image("PNG") + b"\0" * (2 * 1024 * 1024)
    response = _settings_post(client, avatar=SimpleUploadedFile("big.png", big, "image/png"))
    assert response.status_code == 400
    assert "2 MB" in response.content.decode() or "2 Mo" in response.content.decode()


def test_bio_and_name_with_xss_payloads_render_inert(client):
    alice = UserFactory.create()
    client.force_login(alice)
    for payload in XSS_PAYLOADS:
        _settings_post(client, bio=payload, display_name=payload[:80], city=payload[:80])
        html = client.get(User.objects.get(pk=alice.pk).get_absolute_url()).content.decode()
        assert dangerous_markup(html, page=True) == [], payload


def test_export_holds_my_data_and_nobody_else_s_address(client):
    alice = UserFactory.create(email="alice@exemple.test", bio="bio d'Alice")
    bruno = UserFactory.create(email="bruno@exemple.test")
    UserFollowFactory.create(follower=alice, followed=bruno)
    UserFollowFactory.create(follower=bruno, followed=alice)
    client.force_login(alice)
    response = client.get(reverse("accounts:export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == "alice@exemple.test"
    assert data["account"]["bio"] == "bio d'Alice"
    assert data["following"][0]["handle"] == bruno.handle
    assert data["followers"][0]["handle"] == bruno.handle
    assert "bruno@exemple.test" not in response.content.decode()


def test_export_needs_log_in(client):
    assert client.get(reverse("accounts:export")).status_code == 302


def test_deleting_my_account_anonymises_it_and_logs_me_out(client):
    alice = UserFactory.create(email="alice@exemple.test", display_name="Alice", bio="moi")
    bruno = UserFactory.create()
    UserFollowFactory.create(follower=alice, followed=bruno)
    client.force_login(alice)

    response = client.post(reverse("accounts:delete"), {"password": "faux"})
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.is_active and alice.email == "alice@exemple.test"

    response = client.post(reverse("accounts:delete"), {"password": "motdepasse-solide-42"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active and alice.deleted_at is not None
    assert alice.email != "alice@exemple.test" and alice.email.endswith("@deleted.invalid")
    assert (alice.display_name, alice.bio, alice.city) == (DELETED_DISPLAY_NAME, "", "")
    assert not alice.has_usable_password()
    assert not UserFollow.objects.filter(follower=alice).exists()
    # Logged out, and the old address is free again for a new sign-up.
    assert client.get(reverse("accounts:settings")).status_code == 302
    assert not User.objects.filter(email="alice@exemple.test").exists()
