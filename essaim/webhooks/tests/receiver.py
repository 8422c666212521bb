"""A real webhook receiver on 127.0.0.1, for tests: it checks each delivery's signature with
the secret it is given and answers 200 when it verifies (or `status` when set), 400 when not.
`during`, when set, runs in the receiver's thread before it answers (what happens mid-send)."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from essaim.core.tests.loopback import Answer, Request, loopback
from essaim.webhooks.signing import verify


@dataclass(frozen=True)
class Received(Request):
    verified: bool = False


@dataclass
class Receiver:
    url: str = ""
    secret: str = ""
    status: int | None = None
    received: list[Received] = field(default_factory=list)
    during: Callable[[], None] | None = None

    def answer(self, request: Request) -> Answer:
        verified = verify(
            secret=self.secret,
            header=request.headers.get("essaim-signature", ""),
            body=request.body,
            now=int(time.time()),
        )
        self.received.append(Received(**vars(request), verified=verified))
        if self.during is not None:
            self.during()
        status = self.status or (200 if verified else 400)
        return Answer(status, "text/plain", b"verified" if verified else b"bad signature")


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    with loopback(receiver.answer) as server:
        receiver.url = server.url("/hook")
        yield receiver
