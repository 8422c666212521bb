"""A fake PeerTube instance on 127.0.0.1, for tests: its oEmbed endpoint, the videos'
pictures and a player page. What a video's id starts with decides how it misbehaves:
"missing" (404), "private" (401), "badplayer" (a player on another site), "notjson",
"notimage" (a picture that is text), "hugeposter" (a picture over 2 MB); any other id is a
good video. `requests` lists every path asked, in order."""

import io
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

GOOD_ID = "a1b2c3d4e5"


@dataclass
class FakePlatform:
    origin: str = ""
    requests: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return self.origin.removeprefix("http://")

    def video_url(self, video_id: str = GOOD_ID) -> str:
        return f"{self.origin}/w/{video_id}"

    def player_url(self, video_id: str = GOOD_ID) -> str:
        return f"{self.origin}/videos/embed/{video_id}"

    def asked(self, prefix: str) -> list[str]:
        return [path for path in self.requests if path.startswith(prefix)]


def poster_png(width: int = 1280, height: int = 720) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (180, 40, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


@contextmanager
def running_platform() -> Iterator[FakePlatform]:
    platform = FakePlatform()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            platform.requests.append(self.path)
            parts = urllib.parse.urlsplit(self.path)
            if parts.path == "/services/oembed":
                asked = urllib.parse.parse_qs(parts.query).get("url", [""])[0]
                self.oembed(urllib.parse.urlsplit(asked).path.rsplit("/", 1)[-1])
            elif parts.path.startswith("/posters/"):
                video_id = parts.path.removeprefix("/posters/").removesuffix(".png")
                if video_id.startswith("notimage"):
                    self.answer(200, "image/png", b"this is no picture")
                elif video_id.startswith("hugeposter"):
                    self.answer(200, "image/png", b"\0" * (2 * 1024 * 1024 + 10))
                else:
                    self.answer(200, "image/png", poster_png())
            elif parts.path.startswith("/w/"):
                page = "<!doctype html><title>Watch</title><p id=watch>The video's own page</p>"
                self.answer(200, "text/html", page.encode())
            elif parts.path.startswith("/videos/embed/"):
                page = "<!doctype html><title>Player</title><p id=player>Fake player</p>"
                self.answer(200, "text/html", page.encode())
            elif parts.path == "/favicon.ico":  # what a browser on the watch page asks
                self.answer(204, "image/x-icon", b"")
            else:
                self.answer(404, "text/plain", b"not found")

        def oembed(self, video_id: str) -> None:
            if video_id.startswith("missing"):
                self.answer(404, "application/json", b'{"error": "not found"}')
                return
            if video_id.startswith("private"):
                self.answer(401, "application/json", b'{"error": "private"}')
                return
            if video_id.startswith("notjson"):
                self.answer(200, "text/html", b"<html>hello</html>")
                return
            player = (
                f"https://elsewhere.example/embed/{video_id}"
                if video_id.startswith("badplayer")
                else platform.player_url(video_id)
            )
            answer = {
                "type": "video",
                "version": "1.0",
                "title": f"Appel du camp — {video_id}",
                "provider_name": "PeerTube",
                "html": f'<iframe width="560" height="315" src="{player}" '
                'frameborder="0" allowfullscreen></iframe>',
                "thumbnail_url": f"{platform.origin}/posters/{video_id}.png",
                "thumbnail_width": 1280,
                "thumbnail_height": 720,
            }
            self.answer(200, "application/json", json.dumps(answer).encode())

        def answer(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    platform.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield platform
    finally:
        server.shutdown()
        server.server_close()
