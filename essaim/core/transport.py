"""Every request the instance makes to another server (webhook deliveries, federation, video
previews), and the addresses it refuses to reach.

An address comes from outside (a webhook endpoint a host typed, a remote actor's inbox, the
picture an oEmbed answer names): without care it is a way to make the server call its own
network (SSRF). The name is checked when the endpoint is registered and again on every
send: it is resolved once, every address it resolves to must be public (an IPv6 address that
carries an IPv4 one — NAT64, 6to4, Teredo, IPv4-compatible or -mapped — is judged by that
IPv4 address too), and the connection goes to one of those checked addresses, while TLS (SNI,
certificate) and the Host header keep the name. A DNS answer that changes between the check
and the connection (rebinding) therefore changes nothing. Redirects are never followed. Hosts
listed in WEBHOOKS_ALLOW_HTTP_HOSTS (a receiver on the same machine or network), or that a
caller names as allowed (an instance the admin listed), may use plain HTTP and private
addresses.

Whatever went wrong before an answer (refused address, unknown name, refused connection,
timeout, TLS) is one `Answer` without a status: the hosts see one generic message, so the
delivery log cannot be used to map what answers where; the reason goes to the server's log.

A send has an overall deadline (`DEADLINE_SECONDS`) on top of the per-operation timeout:
before each read or write the socket's timeout is cut to what is left of it, so a receiver
dribbling its answer byte by byte cannot hold a task worker longer than that.
"""

import http.client
import io
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

TIMEOUT_SECONDS = 5.0
DEADLINE_SECONDS = 10.0
RESPONSE_EXCERPT_BYTES = 300

# RFC 6052's well-known NAT64 prefix: the last 32 bits are the IPv4 address reached.
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
# RFC 8215, for a network's own translators: never a public destination.
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
# Deprecated IPv4-compatible addresses (::a.b.c.d) and SIIT's IPv4-translated ones.
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The endpoint's address is not one a webhook may reach."""


def trusted_hosts() -> set[str]:
    return {host.lower() for host in getattr(settings, "WEBHOOKS_ALLOW_HTTP_HOSTS", [])}


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (server, client)
    if any(ip in network for network in (NAT64_WELL_KNOWN, IPV4_COMPATIBLE, IPV4_TRANSLATED)):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _is_global(ip: IPAddress) -> bool:
    return ip.is_global and not ip.is_multicast


def address_is_public(address: str) -> bool:
    """Whether a webhook may connect to `address`. Python 3.11 calls NAT64 and 6to4 addresses
    global even when they lead to a private IPv4 network, hence the embedded check."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return _is_global(ip)
    if ip in NAT64_LOCAL_USE:
        return False
    embedded = _embedded_ipv4(ip)
    if ip.ipv4_mapped is not None:
        # ::ffff:a.b.c.d is the IPv4 address itself: its IPv6 form is never "global".
        return all(_is_global(v4) for v4 in embedded)
    return _is_global(ip) and all(_is_global(v4) for v4 in embedded)


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, in the resolver's order of preference."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused("unknown host") from error
    return list(dict.fromkeys(str(entry[4][0]) for entry in found))


def checked_addresses(host: str, port: int, *, allowed: set[str] | None = None) -> list[str]:
    """Resolve `host` once and return its addresses if a webhook may reach all of them
    (`allowed`: the hosts exempt from the check, WEBHOOKS_ALLOW_HTTP_HOSTS by default)."""
    addresses = resolve(host, port)
    if not addresses:
        raise AddressRefused("unknown host")
    if host.lower() not in (trusted_hosts() if allowed is None else allowed):
        refused = [address for address in addresses if not address_is_public(address)]
        if refused:
            raise AddressRefused(f"refused address {refused[0]}")
    return addresses


class _Budget:
    """What is left of a send's deadline, as the timeout of the next socket operation."""

    def __init__(self, *, timeout: float, deadline: float) -> None:
        self.per_operation = timeout
        self.ends = time.monotonic() + deadline

    def timeout(self) -> float:
        remaining = self.ends - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline exceeded")
        return min(self.per_operation, remaining)


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: "_DeadlineSocket") -> None:
        self._socket = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._socket.recv_into(buffer)


class _DeadlineSocket:
    """The connection's socket, each operation bounded by the budget. http.client reads
    through `makefile`, whose reads would otherwise each get the full timeout again."""

    def __init__(self, sock: socket.socket, budget: _Budget) -> None:
        self.raw = sock
        self._budget = budget

    def recv_into(self, buffer: Any) -> int:
        self.raw.settimeout(self._budget.timeout())
        return self.raw.recv_into(buffer)

    def sendall(self, data: bytes) -> None:
        # SSLSocket.sendall gives each chunk the full timeout: send chunk by chunk instead.
        with memoryview(data) as view, view.cast("B") as octets:
            sent = 0
            while sent < len(octets):
                self.raw.settimeout(self._budget.timeout())
                sent += self.raw.send(octets[sent:])

    def makefile(self, *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self))

    def close(self) -> None:
        # http.client closes the socket as soon as it sees `Connection: close`, before the
        # body is read; `post` closes `raw` when it is done with the answer.
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


class _PinnedConnection:
    """Connects to the checked addresses only, within the budget (mixed into http.client's
    connection classes, which keep the name for the Host header and TLS)."""

    addresses: list[str]
    budget: _Budget
    raw_socket: socket.socket | None = None

    def _pinned_create_connection(self, address: tuple[str, int], *args: Any) -> socket.socket:
        port = address[1]
        failure: OSError = OSError("no address to connect to")
        for ip in self.addresses:
            try:
                sock = socket.create_connection((ip, port), timeout=self.budget.timeout())
            except OSError as error:
                failure = error
                continue
            self.raw_socket = sock
            # The TLS handshake that may follow gets what is left, not a fresh timeout.
            sock.settimeout(self.budget.timeout())
            return sock
        raise failure

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        connection: Any = self
        self.raw_socket = connection.sock
        connection.sock = _DeadlineSocket(connection.sock, self.budget)


class _HTTPConnection(_PinnedConnection, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_PinnedConnection, http.client.HTTPSConnection):
    pass


@dataclass(frozen=True)
class Answer:
    """The receiver's answer; `status` None when there was none (`reason` says why, for the
    server's log only)."""

    status: int | None
    excerpt: str
    reason: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _connection(
    url: str, *, timeout: float, deadline: float, allowed: set[str] | None = None
) -> tuple[_HTTPConnection | _HTTPSConnection, str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    budget = _Budget(timeout=timeout, deadline=deadline)
    addresses = checked_addresses(host, port, allowed=allowed)
    connection: _HTTPConnection | _HTTPSConnection
    if secure:
        connection = _HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = _HTTPConnection(host, port, timeout=timeout)
    connection.addresses, connection.budget = addresses, budget
    connection._create_connection = connection._pinned_create_connection  # type: ignore[union-attr]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return connection, path


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float = TIMEOUT_SECONDS,
    deadline: float = DEADLINE_SECONDS,
) -> Answer:
    """POST `body` to `url` once, within `deadline` seconds in all; never raises for the
    receiver's failures (they are the answer). Only the answer's first bytes are read: a
    receiver's reply is kept as an excerpt for the delivery's log."""
    response = request(
        "POST",
        url,
        headers=headers,
        body=body,
        max_bytes=RESPONSE_EXCERPT_BYTES,
        truncate=True,
        timeout=timeout,
        deadline=deadline,
    )
    excerpt = response.body.decode("utf-8", "replace")
    return Answer(status=response.status, excerpt=excerpt, reason=response.reason)


@dataclass(frozen=True)
class Response:
    """An answer read whole (up to a size), for a caller that needs its body (federation's
    fetches); `status` None as in `Answer`."""

    status: int | None
    body: bytes
    reason: str = ""
    too_large: bool = False


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    body: bytes | None = None,
    max_bytes: int,
    truncate: bool = False,
    allowed: set[str] | None = None,
    timeout: float = TIMEOUT_SECONDS,
    deadline: float = DEADLINE_SECONDS,
) -> Response:
    """One request under the guard every outgoing request takes (checked, pinned addresses,
    no redirects, a deadline), reading at most `max_bytes` of the answer: a longer answer is
    `too_large` with no body, or, with `truncate`, cut to its first `max_bytes`. `allowed`
    replaces WEBHOOKS_ALLOW_HTTP_HOSTS as the hosts exempt from the address check. Never
    raises for the receiver's failures (they are the answer)."""
    connection: _HTTPConnection | _HTTPSConnection | None = None
    try:
        if urlsplit(url).scheme not in ("http", "https"):
            raise AddressRefused("not an http(s) address")
        connection, path = _connection(url, timeout=timeout, deadline=deadline, allowed=allowed)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read(max_bytes if truncate else max_bytes + 1)
        if len(content) > max_bytes:
            return Response(status=response.status, body=b"", too_large=True, reason="too large")
        return Response(status=response.status, body=content)
    except AddressRefused as error:
        return Response(status=None, body=b"", reason=str(error))
    except (OSError, http.client.HTTPException, ValueError) as error:
        # Timeouts, refused connections, TLS errors, malformed answers; ValueError (with
        # UnicodeError) for an address http.client cannot encode or an invalid port.
        return Response(status=None, body=b"", reason=f"{type(error).__name__}: {error}"[:300])
    finally:
        if connection is not None:
            connection.close()
            if connection.raw_socket is not None:
                connection.raw_socket.close()
