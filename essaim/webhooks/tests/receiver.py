"""A real webhook receiver on 127.0.0.1, for tests: it checks each delivery's signature with
the secret it is given and answers 200 when it verifies (or `status` when set), 400 when not.
`during`, when set, runs in the receiver's thread before it answers (what happens mid-send)."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from essaim.webhooks.signing import verify


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str = ""
    secret: str = ""
    status: int | None = None
    received: list[Received] = field(default_factory=list)
    during: Callable[[], None] | None = None


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            verified = verify(
                secret=receiver.secret,
                header=self.headers.get("Essaim-Signature", ""),
                body=body,
                now=int(time.time()),
            )
            receiver.received.append(Received(dict(self.headers.items()), body, verified))
            if receiver.during is not None:
                receiver.during()
            status = receiver.status or (200 if verified else 400)
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"verified" if verified else b"bad signature")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
