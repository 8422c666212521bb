"""A fake PeerTube instance on 127.0.0.1, for tests: its oEmbed endpoint, the videos'
pictures and a player page. What a video's id starts with decides how it misbehaves:
"missing" (404), "private" (401), "badplayer" (a player on another site), "notjson",
"notimage" (a picture that is text), "hugeposter" (a picture over 2 MB), "inside" (a picture
named by an address of the server's own network, `localhost`); any other id is a good video.
`requests` lists every path asked, in order."""

import io
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image

from essaim.core.tests.loopback import Answer, Loopback, Request, loopback

GOOD_ID = "a1b2c3d4e5"
WATCH_PAGE = b"<!doctype html><title>Watch</title><p id=watch>The video's own page</p>"
PLAYER_PAGE = b"<!doctype html><title>Player</title><p id=player>Fake player</p>"


@dataclass
class FakePlatform:
    server: Loopback

    @property
    def origin(self) -> str:
        return self.server.origin

    @property
    def requests(self) -> list[Request]:
        return self.server.requests

    @property
    def host(self) -> str:
        return self.origin.removeprefix("http://")

    def video_url(self, video_id: str = GOOD_ID) -> str:
        return f"{self.origin}/w/{video_id}"

    def player_url(self, video_id: str = GOOD_ID) -> str:
        return f"{self.origin}/videos/embed/{video_id}"

    def asked(self, prefix: str) -> list[str]:
        return [request.path for request in self.requests if request.path.startswith(prefix)]

    def answer(self, request: Request) -> Answer:
        parts = urllib.parse.urlsplit(request.path)
        if parts.path == "/services/oembed":
            asked = urllib.parse.parse_qs(parts.query).get("url", [""])[0]
            return self.oembed(urllib.parse.urlsplit(asked).path.rsplit("/", 1)[-1])
        if parts.path.startswith("/posters/"):
            video_id = parts.path.removeprefix("/posters/").removesuffix(".png")
            if video_id.startswith("notimage"):
                return Answer(200, "image/png", b"this is no picture")
            if video_id.startswith("hugeposter"):
                return Answer(200, "image/png", b"\0" * (2 * 1024 * 1024 + 10))
            return Answer(200, "image/png", poster_png())
        if parts.path.startswith("/w/"):
            return Answer(200, "text/html", WATCH_PAGE)
        if parts.path.startswith("/videos/embed/"):
            return Answer(200, "text/html", PLAYER_PAGE)
        if parts.path == "/favicon.ico":  # what a browser on the watch page asks
            return Answer(204, "image/x-icon")
        return Answer(404, "text/plain", b"not found")

    def oembed(self, video_id: str) -> Answer:
        if video_id.startswith("missing"):
            return Answer.with_json({"error": "not found"}, status=404)
        if video_id.startswith("private"):
            return Answer.with_json({"error": "private"}, status=401)
        if video_id.startswith("notjson"):
            return Answer(200, "text/html", b"<html>hello</html>")
        player = (
            f"https://elsewhere.example/embed/{video_id}"
            if video_id.startswith("badplayer")
            else self.player_url(video_id)
        )
        return Answer.with_json(
            {
                "type": "video",
                "version": "1.0",
                "title": f"Appel du camp — {video_id}",
                "provider_name": "PeerTube",
                "html": f'<iframe width="560" height="315" src="{player}" '
                'frameborder="0" allowfullscreen></iframe>',
                "thumbnail_url": (
                    self.origin.replace("127.0.0.1", "localhost")
                    if video_id.startswith("inside")
                    else self.origin
                )
                + f"/posters/{video_id}.png",
                "thumbnail_width": 1280,
                "thumbnail_height": 720,
            }
        )


def poster_png(width: int = 1280, height: int = 720) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (180, 40, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


@contextmanager
def running_platform() -> Iterator[FakePlatform]:
    with loopback() as server:
        platform = FakePlatform(server)
        server.respond = platform.answer
        yield platform
