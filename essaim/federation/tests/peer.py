"""A stand-in fediverse server on loopback, for tests: it serves one actor (its document and
key) and records what is posted to its inboxes, answering `status` (202 by default). It signs
the activities its actor sends to Essaim with its own key."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from essaim.core.tests.loopback import Answer, Loopback, Request, loopback
from essaim.federation import signatures


@dataclass
class Peer:
    server: Loopback
    private_key_pem: str
    public_key_pem: str
    status: int = 202
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return self.server.origin

    @property
    def received(self) -> list[Request]:
        """What was posted to its inboxes, in order."""
        return [request for request in self.server.requests if request.method == "POST"]

    @property
    def fetched(self) -> list[str]:
        return [request.path for request in self.server.requests if request.method == "GET"]

    def answer(self, request: Request) -> Answer:
        if request.method == "POST":
            return Answer(self.status)
        document = self.documents.get(request.path)
        if document is None:
            return Answer(404)
        return Answer.with_json(document, content_type="application/activity+json")

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
    # By name: federation lets a peer on "localhost" be reached over plain HTTP.
    with loopback(host="localhost") as server:
        peer = Peer(server, private_key_pem=private, public_key_pem=public)
        server.respond = peer.answer
        yield peer
