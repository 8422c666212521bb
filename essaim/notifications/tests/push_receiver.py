"""A push service on the loopback for the tests: it records what the server posts and answers
the status it is told to; a `Device` holds the keys a browser would, to decrypt what came."""

import base64
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from essaim.core.tests.loopback import Answer, Loopback, Request, loopback


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Receiver:
    server: Loopback
    # Status to answer, by path; 201 (Created, what push services answer) otherwise.
    answers: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.origin

    @property
    def received(self) -> list[Request]:
        return self.server.requests

    def answer(self, request: Request) -> Answer:
        return Answer(self.answers.get(request.path, 201))


@dataclass
class Device:
    """A browser's side of one subscription: its ECDH key pair and auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription_json(self) -> dict[str, Any]:
        """What the browser's PushSubscription.toJSON() gives."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        message: dict[str, Any] = json.loads(plain)
        return message


@contextmanager
def push_service() -> Iterator[Receiver]:
    with loopback() as server:
        receiver = Receiver(server)
        server.respond = receiver.answer
        yield receiver
