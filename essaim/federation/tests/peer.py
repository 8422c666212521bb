"""A stand-in fediverse server on loopback, for tests: it serves one actor (its document and
key) and records what is posted to its inboxes, answering `status` (202 by default). It signs
the activities its actor sends to Essaim with its own key."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from essaim.federation import signatures


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Peer:
    origin: str = ""
    status: int = 202
    private_key_pem: str = ""
    public_key_pem: str = ""
    received: list[Delivery] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)

    def actor_uri(self, name: str = "alice") -> str:
        return f"{self.origin}/users/{name}"

    def add_actor(self, name: str = "alice") -> str:
        uri = self.actor_uri(name)
        self.documents[f"/users/{name}"] = {
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "id": uri,
            "type": "Person",
            "preferredUsername": name,
            "name": name.title(),
            "inbox": f"{uri}/inbox",
            "endpoints": {"sharedInbox": f"{self.origin}/inbox"},
            "publicKey": {
                "id": f"{uri}#main-key",
                "owner": uri,
                "publicKeyPem": self.public_key_pem,
            },
        }
        return uri

    def signed(
        self,
        path: str,
        activity: dict[str, Any],
        *,
        name: str = "alice",
        host: str = "testserver",
        date: datetime | None = None,
        key_id: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a POST of `activity` to Essaim's `path`, signed."""
        body = json.dumps(activity).encode()
        headers = signatures.sign(
            method="POST",
            url=f"http://{host}{path}",
            key_id=key_id or f"{self.actor_uri(name)}#main-key",
            private_key_pem=self.private_key_pem,
            body=body,
            date=date,
        )
        headers.pop("Host")
        return body, headers


@contextmanager
def running_peer() -> Iterator[Peer]:
    private, public = signatures.new_key_pair()
    peer = Peer(private_key_pem=private, public_key_pem=public)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            peer.fetched.append(self.path)
            document = peer.documents.get(self.path)
            if document is None:
                self.send_response(404)
                self.end_headers()
                return
            body = json.dumps(document).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/activity+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            peer.received.append(Delivery(self.path, dict(self.headers.items()), body))
            self.send_response(peer.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    peer.origin = f"http://localhost:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
