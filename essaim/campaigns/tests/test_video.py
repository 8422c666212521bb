"""A campaign's video: which links are accepted, its preview read once from the platform (a
fake PeerTube instance on loopback), the page showing our copy of the picture, the
Content-Security-Policy framing the allowed players only."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache, caches
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import Campaign, CampaignVideo
from essaim.campaigns.services.video_preview import campaign_video_fetch
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.campaigns.tests.video_platform import GOOD_ID, FakePlatform, running_platform
from essaim.core.errors import ValidationError
from essaim.core.images import cover_variants
from essaim.core.middleware import content_security_policy
from essaim.core.video import video_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(settings: Any) -> Iterator[FakePlatform]:
    with running_platform() as running:
        settings.VIDEO_PLATFORMS = ["youtube", "vimeo"]
        settings.VIDEO_PEERTUBE_HOSTS = [running.origin]
        yield running


@pytest.fixture
def campaign() -> Campaign:
    # A host who reads English: the assertions read the messages in English.
    return CampaignFactory.create(
        slug="eau-pour-tous", title="De l'eau pour tous", created_by__language="en"
    )


def _post_video(client: Client, campaign: Campaign, url: str, capture: Any) -> Any:
    client.force_login(campaign.created_by)
    with capture(execute=True):
        return client.post(
            reverse("campaigns:manage", args=[campaign.slug]),
            {"section": "video", "url": url},
        )


def _anonymous_page(client: Client, campaign: Campaign) -> str:
    cache.clear()
    caches["process"].clear()
    client.logout()
    return client.get(campaign.get_absolute_url()).content.decode()


def test_a_host_links_a_video_and_the_page_shows_its_picture_from_our_storage(
    client: Client,
    campaign: Campaign,
    platform: FakePlatform,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _anonymous_page(client, campaign)  # the page cached before the video

    response = _post_video(
        client, campaign, platform.video_url(), django_capture_on_commit_callbacks
    )

    assert response.status_code == 302
    video = CampaignVideo.objects.get(campaign=campaign)
    assert (video.state, video.failure) == (CampaignVideo.State.READY, "")
    assert video.title == f"Appel du camp — {GOOD_ID}"
    assert video.embed_url == platform.player_url()
    assert video.platform == platform.host
    poster = video.poster.name or ""
    # Stored as covers are: WebP at each width up to the picture's own.
    assert [(w, h) for _, w, h in cover_variants(poster)] == [
        (480, 270),
        (960, 540),
        (1280, 720),
    ]
    assert all(default_storage.exists(name) for name, _, _ in cover_variants(poster))
    assert poster.startswith("videos/")
    assert len(platform.asked("/services/oembed")) == 1
    assert len(platform.asked("/posters/")) == 1
    assert platform.asked("/videos/embed/") == []

    page = _anonymous_page(client, campaign)
    assert 'data-testid="campaign-video"' in page
    assert f'href="{platform.video_url()}"' in page
    assert f'data-video-player="{platform.player_url()}"' in page
    assert f'src="/media/{poster.replace("_1280x720", "_960x540")}"' in page
    # Nothing on the page is loaded from the platform: only links and the player's address.
    assert page.count(platform.origin) == 2
    assert "<iframe" not in page


def test_the_same_link_again_asks_the_platform_nothing(
    client: Client,
    campaign: Campaign,
    platform: FakePlatform,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _post_video(client, campaign, platform.video_url(), django_capture_on_commit_callbacks)
    video = CampaignVideo.objects.get(campaign=campaign)

    again = _post_video(client, campaign, platform.video_url(), django_capture_on_commit_callbacks)

    assert again.status_code == 302
    assert len(platform.requests) == 2
    assert CampaignVideo.objects.get(campaign=campaign).poster.name == video.poster.name
    # The task run again (a worker's retry) has nothing left to do.
    assert campaign_video_fetch(video_id=video.pk, url=video.url) == ""
    assert len(platform.requests) == 2


def test_a_new_link_replaces_the_video_and_an_empty_one_removes_it(
    client: Client,
    campaign: Campaign,
    platform: FakePlatform,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _post_video(client, campaign, platform.video_url(), django_capture_on_commit_callbacks)
    first = CampaignVideo.objects.get(campaign=campaign).poster.name or ""

    _post_video(
        client, campaign, platform.video_url("f9e8d7c6b5"), django_capture_on_commit_callbacks
    )

    video = CampaignVideo.objects.get(campaign=campaign)
    assert video.embed_url == platform.player_url("f9e8d7c6b5")
    assert not default_storage.exists(first)

    _post_video(client, campaign, "", django_capture_on_commit_callbacks)

    assert not CampaignVideo.objects.filter(campaign=campaign).exists()
    assert not default_storage.exists(video.poster.name or "")
    assert 'data-testid="campaign-video"' not in _anonymous_page(client, campaign)


def test_a_task_for_a_link_since_replaced_does_nothing(
    campaign: Campaign, platform: FakePlatform
) -> None:
    video = CampaignVideo.objects.create(
        campaign=campaign, url=platform.video_url("newer12345"), platform=platform.host
    )

    assert campaign_video_fetch(video_id=video.pk, url=platform.video_url()) == ""
    assert platform.requests == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://videos.evil.example/w/a1b2c3d4e5", "Videos can come from these platforms only"),
        ("https://www.youtube.com/channel/UC123456789", "does not lead to one video on YouTube"),
        ("https://vimeo.com/about", "does not lead to one video on Vimeo"),
        ("ftp://www.youtube.com/watch?v=abcdefghijk", "This is not a web address"),
        ("pas une adresse", "Enter a valid URL"),
    ],
)
def test_a_link_that_is_no_allowed_video_is_a_form_error(
    client: Client,
    campaign: Campaign,
    platform: FakePlatform,
    django_capture_on_commit_callbacks: Any,
    url: str,
    message: str,
) -> None:
    response = _post_video(client, campaign, url, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CampaignVideo.objects.exists()
    assert platform.requests == []


@pytest.mark.parametrize(
    ("video_id", "failure"),
    [
        ("missing123", CampaignVideo.Failure.NOT_FOUND),
        ("private123", CampaignVideo.Failure.NOT_FOUND),
        ("badplayer1", CampaignVideo.Failure.INVALID),
        ("notjson123", CampaignVideo.Failure.INVALID),
        ("notimage12", CampaignVideo.Failure.POSTER),
        ("hugeposter", CampaignVideo.Failure.POSTER),
    ],
)
def test_a_video_the_platform_cannot_give_is_a_clear_state_for_its_hosts(
    client: Client,
    campaign: Campaign,
    platform: FakePlatform,
    django_capture_on_commit_callbacks: Any,
    video_id: str,
    failure: str,
) -> None:
    response = _post_video(
        client, campaign, platform.video_url(video_id), django_capture_on_commit_callbacks
    )

    assert response.status_code == 302
    video = CampaignVideo.objects.get(campaign=campaign)
    assert (video.state, video.failure, video.poster.name) == ("failed", failure, "")
    manage = client.get(reverse("campaigns:manage", args=[campaign.slug])).content.decode()
    assert "This video cannot be shown" in manage
    assert escape(str(CampaignVideo.Failure(failure).label)) in manage
    assert 'data-testid="campaign-video"' not in _anonymous_page(client, campaign)


def test_a_picture_on_the_servers_own_network_is_never_fetched(
    client: Client,
    campaign: Campaign,
    platform: FakePlatform,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The picture's address comes from the platform's answer: one naming the server's own
    network (here `localhost`, the very fake platform, which the admin did not list by that
    name) is refused before any connection, as a webhook's would be (core.transport)."""
    _post_video(
        client, campaign, platform.video_url("inside1234"), django_capture_on_commit_callbacks
    )

    video = CampaignVideo.objects.get(campaign=campaign)
    assert (video.state, video.failure) == ("failed", "unreachable")
    assert platform.asked("/posters/") == []


def test_a_platform_that_does_not_answer_leaves_the_video_failed_and_saving_tries_again(
    client: Client,
    campaign: Campaign,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with running_platform() as gone:
        pass  # stopped: its port refuses connections now
    settings.VIDEO_PEERTUBE_HOSTS = [gone.origin]
    _post_video(client, campaign, gone.video_url(), django_capture_on_commit_callbacks)
    assert CampaignVideo.objects.get(campaign=campaign).failure == "unreachable"

    with running_platform() as back:
        settings.VIDEO_PEERTUBE_HOSTS = [back.origin]
        CampaignVideo.objects.update(url=back.video_url())  # the same link, the port aside
        _post_video(client, campaign, back.video_url(), django_capture_on_commit_callbacks)

    assert CampaignVideo.objects.get(campaign=campaign).state == CampaignVideo.State.READY


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_only_a_host_links_a_video(
    client: Client,
    campaign: Campaign,
    platform: FakePlatform,
    django_capture_on_commit_callbacks: Any,
    who: str,
) -> None:
    if who == "outsider":
        client.force_login(UserFactory.create())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("campaigns:manage", args=[campaign.slug]),
            {"section": "video", "url": platform.video_url()},
        )

    assert response.status_code == (302 if who == "anonymous" else 404)
    assert not CampaignVideo.objects.exists()
    assert platform.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://www.youtube.com/shorts/dQw4w9WgXcQ",
        "https://vimeo.com/76979871",
        "https://vimeo.com/channels/staffpicks/76979871",
        "https://videos.example.org/w/9c9de5e8-0a1e-484a-b099-e80766180a6d",
        "https://videos.example.org/videos/watch/9c9de5e8-0a1e-484a-b099-e80766180a6d",
    ],
)
def test_links_to_one_video_of_an_allowed_platform(settings: Any, url: str) -> None:
    settings.VIDEO_PLATFORMS = ["youtube", "vimeo"]
    settings.VIDEO_PEERTUBE_HOSTS = ["videos.example.org"]

    assert video_link(url).url == url


def test_a_platform_the_admin_did_not_allow_is_refused(settings: Any) -> None:
    settings.VIDEO_PLATFORMS = ["vimeo"]
    settings.VIDEO_PEERTUBE_HOSTS = []

    with pytest.raises(ValidationError, match="Vimeo"):
        video_link("https://www.youtube.com/watch?v=dQw4w9WgXcQ")


def test_the_content_security_policy_frames_exactly_the_allowed_players(
    client: Client, settings: Any
) -> None:
    settings.VIDEO_PLATFORMS = ["youtube", "vimeo"]
    settings.VIDEO_PEERTUBE_HOSTS = ["videos.example.org", "http://127.0.0.1:8123"]

    policy = client.get(reverse("campaigns:list"))["Content-Security-Policy"]

    frames = [part for part in policy.split("; ") if part.startswith("frame-src")]
    assert frames == [
        "frame-src 'self' https://www.youtube.com https://player.vimeo.com "
        "https://videos.example.org http://127.0.0.1:8123"
    ]
    settings.VIDEO_PLATFORMS, settings.VIDEO_PEERTUBE_HOSTS = [], []
    assert content_security_policy().endswith("; frame-src 'self'")
