"""Requests to other servers, signed by an actor of this instance, through the webhooks'
transport: the name is resolved once, every address must be public (hosts listed in
FEDERATION_ALLOW_HOSTS excepted: a peer on the same machine, in tests), the connection is
pinned to those addresses, redirects are not followed, and the whole exchange has a deadline.
"""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from essaim.core import transport
from essaim.federation import signatures

ACTIVITY_JSON = "application/activity+json"
ACCEPT = f'{ACTIVITY_JSON}, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
# An actor or an object is a few kilobytes; a bigger answer is not one.
MAX_DOCUMENT_BYTES = 256 * 1024


@dataclass(frozen=True)
class Signer:
    key_id: str
    private_key_pem: str


def allowed_hosts() -> set[str]:
    return {host.lower() for host in getattr(settings, "FEDERATION_ALLOW_HOSTS", [])}


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    # Plain HTTP only towards a host allowed for tests (a peer on loopback).
    return parts.scheme == "https" or parts.hostname.lower() in allowed_hosts()


class FetchError(Exception):
    """The document could not be had: refused address, no answer, an error, not JSON."""


def fetch(url: str, signer: Signer) -> dict[str, Any]:
    """GET an ActivityStreams document, signed (servers in "authorized fetch" mode ask)."""
    if not is_http_url(url):
        raise FetchError("not an https address")
    headers = signatures.sign(
        method="GET", url=url, key_id=signer.key_id, private_key_pem=signer.private_key_pem
    )
    headers["Accept"] = ACCEPT
    headers["User-Agent"] = "Essaim"
    response = transport.request(
        "GET", url, headers=headers, max_bytes=MAX_DOCUMENT_BYTES, allowed=allowed_hosts()
    )
    if response.status != 200:
        raise FetchError(response.reason or f"status {response.status}")
    try:
        document = json.loads(response.body)
    except ValueError as error:
        raise FetchError("not JSON") from error
    if not isinstance(document, dict):
        raise FetchError("not a JSON object")
    return document


def post(url: str, body: bytes, signer: Signer) -> transport.Response:
    """POST an activity to an inbox, signed; the answer whatever it is."""
    if not is_http_url(url):
        return transport.Response(status=None, body=b"", reason="not an https address")
    headers = signatures.sign(
        method="POST",
        url=url,
        key_id=signer.key_id,
        private_key_pem=signer.private_key_pem,
        body=body,
    )
    headers["Content-Type"] = ACTIVITY_JSON
    headers["User-Agent"] = "Essaim"
    return transport.request(
        "POST", url, headers=headers, body=body, max_bytes=4096, allowed=allowed_hosts()
    )
