"""Videos from the platforms the instance allows: which links are videos, what their oEmbed
answers (title, picture, player), and the players' origins for the Content-Security-Policy.

The platforms are settings: VIDEO_PLATFORMS names the known ones (YouTube, Vimeo) and
VIDEO_PEERTUBE_HOSTS the PeerTube instances, each by its host ("https://" unless the entry
gives its scheme: "http://127.0.0.1:8123" in tests). A page never loads anything from a
platform by itself: `oembed_fetch` and `poster_fetch` run in a background task, and the player
is framed only after the visitor clicks (campaigns/static/campaigns/video.js).
"""

import json
import re
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from essaim.core import transport
from essaim.core.errors import ValidationError
from essaim.core.images import MAX_BYTES as POSTER_MAX_BYTES

# An oEmbed answer is a few hundred bytes: more is not one.
OEMBED_MAX_BYTES = 64 * 1024
TITLE_MAX_LENGTH = 200


@dataclass(frozen=True)
class VideoPlatform:
    name: str  # shown to people: "YouTube", "Vimeo", a PeerTube instance's host
    hosts: frozenset[str]  # the hosts (with their port, if any) of its video links
    oembed_endpoint: str
    player_origin: str  # scheme://host of the iframe's src, for frame-src
    # Paths (with the query, "/watch?v=...") that name one video; anything else is refused.
    video_paths: tuple[re.Pattern[str], ...]


YOUTUBE_ID = r"[A-Za-z0-9_-]{6,20}"
KNOWN_PLATFORMS = {
    "youtube": VideoPlatform(
        name="YouTube",
        hosts=frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}),
        oembed_endpoint="https://www.youtube.com/oembed",
        player_origin="https://www.youtube.com",
        video_paths=(
            re.compile(rf"^/watch\?(.*&)?v={YOUTUBE_ID}(&.*)?$"),
            re.compile(rf"^/(shorts|live|embed)/{YOUTUBE_ID}(\?.*)?$"),
            re.compile(rf"^/{YOUTUBE_ID}(\?.*)?$"),  # youtu.be/<id>
        ),
    ),
    "vimeo": VideoPlatform(
        name="Vimeo",
        hosts=frozenset({"vimeo.com", "www.vimeo.com", "player.vimeo.com"}),
        oembed_endpoint="https://vimeo.com/api/oembed.json",
        player_origin="https://player.vimeo.com",
        video_paths=(
            re.compile(
                r"^(/video|/channels/[\w-]+|/groups/[\w-]+/videos)?/\d+(/[0-9a-f]+)?(\?.*)?$"
            ),
        ),
    ),
}
PEERTUBE_PATHS = (
    re.compile(r"^/w/[A-Za-z0-9-]{6,40}(\?.*)?$"),
    re.compile(r"^/videos/(watch|embed)/[A-Za-z0-9-]{6,40}(\?.*)?$"),
)


def peertube_platform(entry: str) -> VideoPlatform:
    """A PeerTube instance from its VIDEO_PEERTUBE_HOSTS entry: "videos.example.org" (HTTPS)
    or "http://127.0.0.1:8123"."""
    parts = urllib.parse.urlsplit(entry if "://" in entry else f"https://{entry}")
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"VIDEO_PEERTUBE_HOSTS: {entry!r} is not a host")
    origin = f"{parts.scheme}://{parts.netloc.lower()}"
    return VideoPlatform(
        name=parts.netloc.lower(),
        hosts=frozenset({parts.netloc.lower()}),
        oembed_endpoint=f"{origin}/services/oembed",
        player_origin=origin,
        video_paths=PEERTUBE_PATHS,
    )


def video_platforms() -> list[VideoPlatform]:
    """The platforms this instance allows, in the settings' order."""
    known = [KNOWN_PLATFORMS[name.lower()] for name in settings.VIDEO_PLATFORMS]
    return [*known, *(peertube_platform(entry) for entry in settings.VIDEO_PEERTUBE_HOSTS)]


def player_origins() -> list[str]:
    """The other sites the Content-Security-Policy's frame-src allows: the allowed players,
    no other."""
    return list(dict.fromkeys(platform.player_origin for platform in video_platforms()))


@dataclass(frozen=True)
class VideoLink:
    url: str
    platform: VideoPlatform


def video_link(url: str) -> VideoLink:
    """`url` as a link to one video on an allowed platform, or a ValidationError saying why."""
    parts = urllib.parse.urlsplit(url.strip())
    host = (parts.netloc.rsplit("@", 1)[-1]).lower()
    platforms = video_platforms()
    if parts.scheme not in {"http", "https"} or not host:
        raise ValidationError(_("This is not a web address."))
    platform = next((p for p in platforms if host in p.hosts), None)
    if platform is None:
        names = ", ".join(p.name for p in platforms)
        if not names:
            raise ValidationError(_("This instance accepts no video links."))
        raise ValidationError(
            _("Videos can come from these platforms only: %(platforms)s.") % {"platforms": names}
        )
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not any(pattern.match(path) for pattern in platform.video_paths):
        raise ValidationError(
            _("This link does not lead to one video on %(platform)s: copy the video's own address.")
            % {"platform": platform.name}
        )
    return VideoLink(url=urllib.parse.urlunsplit(parts._replace(fragment="")), platform=platform)


class VideoUnavailable(Exception):
    """The platform's answer cannot be used; `reason` is one of VideoFailure's values."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


# Why a video could not be read, as stored and shown to its hosts.
UNREACHABLE = "unreachable"  # the platform did not answer (network, 5xx)
NOT_FOUND = "not_found"  # no such public video (404, private, embedding refused)
INVALID = "invalid"  # an answer that is no playable video of this platform
POSTER = "poster"  # the picture could not be read


@dataclass(frozen=True)
class OEmbedVideo:
    title: str
    thumbnail_url: str
    embed_url: str


class _IframeSource(HTMLParser):
    """The src of the first <iframe> in an oEmbed `html` (never rendered as it is)."""

    def __init__(self) -> None:
        super().__init__()
        self.src = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe" and not self.src:
            self.src = dict(attrs).get("src") or ""


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _listed_hosts() -> set[str]:
    """The PeerTube instances the admin listed: reached even on a private address (their own
    instance on the same network), as WEBHOOKS_ALLOW_HTTP_HOSTS are."""
    return {
        urllib.parse.urlsplit(peertube_platform(entry).player_origin).hostname or ""
        for entry in settings.VIDEO_PEERTUBE_HOSTS
    }


def _read(url: str, *, limit: int, accept: str, failure: str) -> bytes:
    """GET `url` through the guard every outgoing request takes (core.transport: public
    addresses only, or an instance the admin listed; no redirect; a deadline), at most
    `limit` bytes, else VideoUnavailable (`failure` when what came is no use). The picture's
    address comes from the platform's answer: without the guard, an answer naming a private
    address would make the server fetch it."""
    answer = transport.request(
        "GET",
        url,
        headers={"User-Agent": "Essaim video preview", "Accept": accept},
        max_bytes=limit,
        allowed=transport.trusted_hosts() | _listed_hosts(),
    )
    if answer.too_large:
        raise VideoUnavailable(failure, "too large")
    if answer.status is None:
        raise VideoUnavailable(UNREACHABLE, answer.reason)
    if answer.status in {401, 403, 404, 410}:
        raise VideoUnavailable(NOT_FOUND, f"HTTP {answer.status}")
    if not 200 <= answer.status < 300:
        raise VideoUnavailable(UNREACHABLE, f"HTTP {answer.status}")
    return answer.body


def oembed_fetch(link: VideoLink) -> OEmbedVideo:
    """Ask the platform's oEmbed endpoint about `link`: its title, picture and player, the
    player's address checked to be the platform's own player."""
    query = urllib.parse.urlencode({"url": link.url, "format": "json", "maxwidth": 1280})
    body = _read(
        f"{link.platform.oembed_endpoint}?{query}",
        limit=OEMBED_MAX_BYTES,
        accept="application/json",
        failure=INVALID,
    )
    try:
        answer: Any = json.loads(body)
    except ValueError as error:
        raise VideoUnavailable(INVALID, "not JSON") from error
    if not isinstance(answer, dict) or answer.get("type") != "video":
        raise VideoUnavailable(INVALID, "not a video")
    parser = _IframeSource()
    parser.feed(str(answer.get("html") or ""))
    embed_url = parser.src
    if not embed_url or _origin(embed_url) != link.platform.player_origin:
        raise VideoUnavailable(INVALID, f"player not at {link.platform.player_origin}")
    thumbnail_url = str(answer.get("thumbnail_url") or "")
    if urllib.parse.urlsplit(thumbnail_url).scheme not in {"http", "https"}:
        raise VideoUnavailable(POSTER, "no picture")
    title = " ".join(str(answer.get("title") or "").split())[:TITLE_MAX_LENGTH]
    return OEmbedVideo(title=title, thumbnail_url=thumbnail_url, embed_url=embed_url)


def poster_fetch(video: OEmbedVideo) -> bytes:
    """The video's picture, at most as large as an uploaded cover may be (checked by the
    caller as an upload is)."""
    return _read(video.thumbnail_url, limit=POSTER_MAX_BYTES, accept="image/*", failure=POSTER)
