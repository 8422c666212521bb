"""Posting a delivery to a receiver, and refusing addresses a webhook must not reach.

An endpoint is an address a host typed: without care it is a way to make the server call its
own network (SSRF). Addresses are checked twice: when the endpoint is registered (the name
resolves to public addresses only) and again on every connection, against the address the
socket actually reached, so a name that later resolves elsewhere (DNS rebinding) is refused
too. Redirects are never followed. Hosts listed in WEBHOOKS_ALLOW_HTTP_HOSTS (a receiver on
the same machine or network) may use plain HTTP and private addresses.
"""

import http.client
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

TIMEOUT_SECONDS = 5.0
RESPONSE_EXCERPT_BYTES = 300


class AddressRefused(Exception):
    """The endpoint's address is not one a webhook may reach."""


def trusted_hosts() -> set[str]:
    return {host.lower() for host in getattr(settings, "WEBHOOKS_ALLOW_HTTP_HOSTS", [])}


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused("unknown host") from error
    return sorted({str(entry[4][0]) for entry in found})


def _checked_connection(host: str) -> Any:
    """socket.create_connection, refusing a non-public peer unless `host` is trusted."""
    trusted = host.lower() in trusted_hosts()

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        sock = socket.create_connection(address, *args, **kwargs)
        peer = str(sock.getpeername()[0])
        if not trusted and not address_is_public(peer):
            sock.close()
            raise AddressRefused(f"refused address {peer}")
        return sock

    return create_connection


@dataclass(frozen=True)
class Answer:
    status: int | None
    excerpt: str

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url` once, with a short timeout; never raises for the receiver's
    failures (they are the answer)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(host, parts.port, timeout=TIMEOUT_SECONDS)
    connection._create_connection = _checked_connection(host)  # type: ignore[attr-defined]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT_BYTES).decode("utf-8", "replace")
        return Answer(status=response.status, excerpt=excerpt)
    except AddressRefused as error:
        return Answer(status=None, excerpt=str(error))
    except (OSError, http.client.HTTPException) as error:
        # Timeouts, refused connections, TLS errors, malformed answers.
        return Answer(status=None, excerpt=f"{type(error).__name__}: {error}"[:300])
    finally:
        connection.close()
