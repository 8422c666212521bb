"""A small HTTP server on 127.0.0.1 that plays the outside world in tests (a webhook receiver,
a push service, a fediverse peer, a video platform, someone else's website): it records every
request, in order, and answers each with what a function of it returns. Each suite wraps it
with what is its own (checking signatures, decrypting pushes, the documents a peer serves).

    with loopback(lambda request: Answer(201)) as server:
        ...  # the code under test calls server.url("/push/1")
        [request] = server.requests

A request is recorded before it is answered, so it is there once the caller has its answer."""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.db import connections


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with its query string, as sent
    # Names lowercased: HTTP's are case-insensitive, and so the tests' look-ups.
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    status: int = 200
    content_type: str = ""  # no Content-Type header when empty
    body: bytes = b""

    @classmethod
    def with_json(
        cls, document: Any, *, status: int = 200, content_type: str = "application/json"
    ) -> "Answer":
        return cls(status, content_type, json.dumps(document).encode())


Respond = Callable[[Request], Answer]


def answer_ok(request: Request) -> Answer:
    return Answer()


@dataclass
class Loopback:
    origin: str
    # Runs in the server's thread; a test may swap it while the server runs.
    respond: Respond = answer_ok
    requests: list[Request] = field(default_factory=list)

    def url(self, path: str = "/") -> str:
        return f"{self.origin}{path}"


@contextmanager
def loopback(respond: Respond = answer_ok, *, host: str = "127.0.0.1") -> Iterator[Loopback]:
    """Serves on 127.0.0.1, on a port the system picks, until the block ends. `host` is only
    the name the origin is written with (code under test may allow "localhost" by name)."""
    server = Loopback(origin="", respond=respond)

    class Handler(BaseHTTPRequestHandler):
        def serve(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            request = Request(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            server.requests.append(request)
            try:
                answer = server.respond(request)
            finally:
                # Each request has a thread of its own; a function that reached the database
                # (what happens mid-send) opened that thread's connection, which would stay
                # open until the thread is collected, and PostgreSQL refuses to drop a test
                # database that a session still uses.
                connections.close_all()
            self.send_response(answer.status)
            if answer.content_type:
                self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    http_server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.origin = f"http://{host}:{http_server.server_address[1]}"
    threading.Thread(target=http_server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        http_server.shutdown()
        http_server.server_close()
