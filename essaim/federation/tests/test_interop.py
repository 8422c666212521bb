"""Interop with a peer that is not Essaim's code: bovine (a fediverse library from PyPI) looks
the community up by WebFinger, follows it with its own HTTP signatures, checks the Accept and
the event Essaim delivers with its own signature checker, and replies to a post.

The peer runs in a virtual environment of its own (bovine pins an older `cryptography` than
Essaim's), named by ESSAIM_INTEROP_PYTHON; CI's PostgreSQL pass makes it (`.ci/run`) and sets
ESSAIM_INTEROP_REQUIRED so that a missing peer fails instead of skipping. Essaim listens on
127.0.0.1, the peer on 127.0.0.2; everything is bounded in time."""

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CampaignHost
from essaim.campaigns.services.events import event_create
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.communities.models import Comment, Membership
from essaim.communities.services import post_create
from essaim.communities.tests.factories import CommunityFactory
from essaim.core.models import OutboxMessage
from essaim.federation.models import Follower

PEER_HOST = "127.0.0.2"
PEER_SCRIPT = Path(__file__).with_name("interop_peer.py")
DEADLINE_SECONDS = 30

pytestmark = pytest.mark.django_db(transaction=True)


def peer_python() -> str:
    python = os.environ.get("ESSAIM_INTEROP_PYTHON", "")
    if python and Path(python).exists():
        return python
    if os.environ.get("ESSAIM_INTEROP_REQUIRED"):
        pytest.fail("ESSAIM_INTEROP_PYTHON does not name a Python with bovine installed")
    pytest.skip("interop peer not installed (ESSAIM_INTEROP_PYTHON)")


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def until(check: Callable[[], Any], what: str) -> Any:
    ends = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < ends:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    errors = list(OutboxMessage.objects.values_list("state", "last_error"))
    raise AssertionError(f"timed out waiting for {what}; deliveries: {errors}")


class PeerControl:
    def __init__(self, origin: str) -> None:
        self.origin = origin

    def call(self, path: str, data: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 - a loopback URL the test made
            self.origin + path,
            data=json.dumps(data).encode() if data is not None else None,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=DEADLINE_SECONDS) as response:  # noqa: S310
            return json.loads(response.read())

    def received(self, kind: str) -> list[dict[str, Any]]:
        return [
            item["activity"]
            for item in self.call("/control/received")["received"]
            if item["activity"]["type"] == kind
        ]


@pytest.fixture
def bovine_peer() -> Iterator[PeerControl]:
    python = peer_python()
    port = free_port(PEER_HOST)
    process = subprocess.Popen(
        [python, str(PEER_SCRIPT), PEER_HOST, str(port)],
        stdout=subprocess.PIPE,
        stderr=open(os.environ.get("ESSAIM_INTEROP_LOG", os.devnull), "w"),  # noqa: SIM115
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "ready", line
        yield PeerControl(f"http://{PEER_HOST}:{port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_bovine_peer_follows_gets_an_event_and_replies(
    bovine_peer: PeerControl, live_server: Any, settings: Any
) -> None:
    settings.SITE_URL = live_server.url
    settings.SITE_URL_FROM_REQUEST = False
    settings.FEDERATION_ALLOW_HOSTS = [PEER_HOST]
    owner = UserFactory.create()
    community = CommunityFactory.create(slug="voisins")
    Membership.objects.create(community=community, user=owner, role=Membership.Role.OWNER)

    # WebFinger, the actor document and a signed Follow, all by bovine.
    followed = bovine_peer.call(
        "/control/follow",
        {"handle": f"voisins@{urlsplit(live_server.url).hostname}", "origin": live_server.url},
    )
    assert followed["group"]["type"] == "Group"
    assert followed["status"] == 202, followed["answer"]
    assert Follower.objects.get(community=community).actor.uri == bovine_peer.origin + "/actor"
    # The Accept arrives, signed so that bovine's checker accepts it.
    [accept] = until(
        lambda: bovine_peer.received("Accept"),
        f"the Accept (peer refused: {bovine_peer.call('/control/received')['refused']})",
    )
    assert accept["object"]["type"] == "Follow"

    campaign = CampaignFactory.create(slug="nettoyage", created_by=owner)
    CampaignHost.objects.create(
        campaign=campaign, community=community, status=CampaignHost.Status.ACCEPTED
    )
    starts = timezone.now() + timedelta(days=4)
    event = event_create(
        actor=owner,
        campaign=campaign,
        title="Ramassage",
        address="Quai de Valmy",
        city="Paris",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=30,
    )
    creates = until(lambda: bovine_peer.received("Create"), "the event")
    delivered = creates[0]["object"]
    assert delivered["type"] == "Event"
    assert delivered["startTime"] == event.starts_at.isoformat()
    assert delivered["location"]["name"] == "Quai de Valmy"

    post = post_create(author=owner, community=community, body="Qui vient jeudi ?")
    post_url = f"{live_server.url}/communities/voisins/posts/{post.pk}/"
    actor = bovine_peer.origin + "/actor"
    sent = bovine_peer.call(
        "/control/send",
        {
            "inbox": f"{live_server.url}/federation/inbox",
            "activity": {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{actor}/notes/1/create",
                "type": "Create",
                "actor": actor,
                "object": {
                    "id": f"{actor}/notes/1",
                    "type": "Note",
                    "attributedTo": actor,
                    "inReplyTo": post_url,
                    "content": "<p>Moi !</p>",
                },
            },
        },
    )
    assert sent["status"] == 202, sent["answer"]
    comment = Comment.objects.get(post=post)
    assert comment.body == "Moi !"
    assert comment.author.remote_actor.uri == actor
    assert bovine_peer.call("/control/received")["refused"] == []
