"""The transport: which addresses a webhook may reach, one resolution per send that the
connection then uses, one generic failure for the hosts, and an overall deadline."""

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.services.pledge import pledge_sign
from essaim.campaigns.tests.factories import CampaignFactory, PledgeFactory
from essaim.core import outbox, transport
from essaim.webhooks.models import Delivery, Endpoint
from essaim.webhooks.services import sending
from essaim.webhooks.services.endpoints import endpoint_create
from essaim.webhooks.tests.factories import pending_delivery, register_endpoint

REAL_GETADDRINFO = socket.getaddrinfo


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("10.0.0.1", False),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.216.34", True),
        ("64:ff9b::a00:1", False),  # NAT64 to 10.0.0.1, "global" to Python 3.11
        ("64:ff9b::808:808", True),  # NAT64 to 8.8.8.8
        ("64:ff9b:1::808:808", False),  # local-use NAT64
        ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
        ("2002:808:808::", True),
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False),  # Teredo, client 10.0.0.1
        ("::a00:1", False),  # IPv4-compatible
        ("::ffff:0:a00:1", False),  # IPv4-translated
        ("ff0e::1", False),  # multicast
        ("fe80::1%eth0", False),
    ],
)
def test_which_addresses_are_public(address, public):
    assert transport.address_is_public(address) is public


def dns(answers: dict[str, list[str]], asked: list[str]):
    """getaddrinfo as a resolver would answer for the names in `answers` (the outside world;
    no address: the name does not exist); IP literals go to the real function."""

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        asked.append(host)
        if not answers[host]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port),
            )
            for ip in answers[host]
        ]

    return getaddrinfo


@contextmanager
def listening_socket() -> Iterator[socket.socket]:
    """A port on 127.0.0.1 that should never see a connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    try:
        yield listener
    finally:
        listener.close()


def assert_never_connected(listener: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        listener.accept()


@pytest.mark.django_db(transaction=True)
def test_a_name_that_now_resolves_to_a_private_address_is_refused(monkeypatch, settings):
    """DNS rebinding: public when the endpoint was registered, private when it is sent to.
    Nothing connects, and the log shows the hosts nothing of what was refused."""
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = []
    asked: list[str] = []
    monkeypatch.setattr(socket, "getaddrinfo", dns({"hooks.example.org": ["93.184.216.34"]}, asked))
    pledge = PledgeFactory.create()
    with listening_socket() as listener:
        port = listener.getsockname()[1]
        endpoint, _created = sending_endpoint(pledge, f"https://hooks.example.org:{port}/in")
        monkeypatch.setattr(socket, "getaddrinfo", dns({"hooks.example.org": ["127.0.0.1"]}, asked))
        pledge_sign(user=UserFactory.create(), pledge=pledge)
        assert_never_connected(listener)
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.response_status, delivery.error) == ("failed", None, "")


def sending_endpoint(pledge, url):
    return endpoint_create(
        actor=pledge.campaign.created_by,
        campaign=pledge.campaign,
        url=url,
        events=["signature.created"],
    )


def test_every_address_of_the_name_is_checked(monkeypatch, settings):
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = []
    asked: list[str] = []
    with listening_socket() as listener:
        port = listener.getsockname()[1]
        answers = {"hooks.example.org": ["93.184.216.34", "127.0.0.1"]}
        monkeypatch.setattr(socket, "getaddrinfo", dns(answers, asked))
        answer = transport.post(f"https://hooks.example.org:{port}/", body=b"{}", headers={})
        assert_never_connected(listener)
    assert (answer.status, answer.excerpt) == (None, "")
    assert answer.reason == "refused address 127.0.0.1"
    assert asked == ["hooks.example.org"]


@pytest.mark.django_db(transaction=True)
def test_the_connection_goes_to_the_address_resolved_once_under_the_name(
    receiver, monkeypatch, settings
):
    """One resolution per send, whose address the socket connects to: a second answer
    (rebinding between a check and a connection) is never asked for. The Host header
    keeps the name."""
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = ["127.0.0.1", "hooks.test"]
    port = receiver.url.split(":")[2].split("/")[0]
    answers = iter([["127.0.0.1"], ["10.255.255.1"]])
    asked: list[str] = []

    def getaddrinfo(host, port_, *args, **kwargs):
        if host != "hooks.test":
            return REAL_GETADDRINFO(host, port_, *args, **kwargs)
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port_)) for ip in next(answers)]

    campaign = CampaignFactory.create()
    endpoint = register_endpoint(campaign, receiver)
    Endpoint.objects.filter(pk=endpoint.pk).update(url=f"http://hooks.test:{port}/hook")
    delivery = pending_delivery(endpoint)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert outbox.dispatch(here=True) == 1
    delivery = Delivery.objects.select_related("message").get(pk=delivery.pk)
    assert delivery.status == "succeeded" and asked == ["hooks.test"]
    [received] = receiver.received
    assert received.headers["host"] == f"hooks.test:{port}" and received.verified


@pytest.mark.django_db(transaction=True)
def test_the_hosts_see_one_generic_failure_whatever_stopped_the_answer(
    receiver, settings, monkeypatch
):
    """A refused address, a closed port and an unknown name all read the same in the log."""
    monkeypatch.setattr(socket, "getaddrinfo", dns({"unknown.invalid": []}, []))
    pledge = PledgeFactory.create()
    endpoint = register_endpoint(pledge.campaign, receiver, events=["signature.created"])
    with listening_socket() as closed:
        closed_url = f"http://127.0.0.1:{closed.getsockname()[1]}/"
    for url, allowed in (
        (receiver.url, []),  # 127.0.0.1, no longer allowed
        (closed_url, ["127.0.0.1"]),  # nothing listens there any more
        ("http://unknown.invalid/", ["unknown.invalid"]),
    ):
        settings.WEBHOOKS_ALLOW_HTTP_HOSTS = allowed
        Endpoint.objects.filter(pk=endpoint.pk).update(url=url)
        pledge_sign(user=UserFactory.create(), pledge=pledge)
    assert receiver.received == []
    failures = [
        (delivery.status, delivery.response_status, delivery.error)
        for delivery in Delivery.objects.select_related("message")
    ]
    assert failures == [("failed", None, "")] * 3


@contextmanager
def dribbling_receiver(interval: float) -> Iterator[str]:
    """A receiver that answers one header line every `interval` seconds, forever."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        connection, _address = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.wait(interval):
                try:
                    connection.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    finally:
        stop.set()
        server.close()
        thread.join(timeout=5)


def test_a_receiver_dribbling_its_answer_is_cut_at_the_deadline():
    """Each read comes well within the per-read timeout, yet the send ends at the deadline."""
    with dribbling_receiver(interval=0.1) as url:
        started = time.monotonic()
        answer = transport.post(url, body=b"{}", headers={}, timeout=5.0, deadline=1.0)
        elapsed = time.monotonic() - started
    assert answer.status is None and answer.reason.startswith("TimeoutError")
    assert 0.9 <= elapsed < 2.0
    assert sending.LEASE.total_seconds() > transport.DEADLINE_SECONDS


@pytest.fixture
def tls_certificate(tmp_path):
    """A self-signed certificate for hooks.test, made for this test."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=hooks.test",
            "-addext",
            "subjectAltName=DNS:hooks.test",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextmanager
def tls_receiver(cert, key) -> Iterator[tuple[int, dict[str, str]]]:
    """An HTTPS receiver on 127.0.0.1 that records the TLS server name and the Host header."""
    seen: dict[str, str] = {}
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def remember_name(sock, server_name, _context):
        seen["sni"] = server_name

    context.sni_callback = remember_name
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        connection, _address = server.accept()
        with context.wrap_socket(connection, server_side=True) as tls:
            request = b""
            while b"\r\n\r\n" not in request:
                request += tls.recv(65536)
            head, _sep, body = request.partition(b"\r\n\r\n")
            fields = dict(
                line.split(":", 1) for line in head.decode().split("\r\n")[1:] if ":" in line
            )
            fields = {name.lower(): value.strip() for name, value in fields.items()}
            while len(body) < int(fields.get("content-length", "0")):
                body += tls.recv(65536)
            seen["host"] = fields["host"]
            tls.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], seen
    finally:
        server.close()
        thread.join(timeout=5)


def test_tls_names_the_host_while_connecting_to_its_checked_address(
    tls_certificate, monkeypatch, settings
):
    """SNI, the certificate's name and the Host header are the endpoint's name, while the
    socket goes to the address resolved (and checked) for it."""
    cert, key = tls_certificate
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = ["hooks.test"]
    asked: list[str] = []
    monkeypatch.setattr(socket, "getaddrinfo", dns({"hooks.test": ["127.0.0.1"]}, asked))
    trusting = ssl.create_default_context

    def trusting_the_test_certificate(*args, **kwargs):  # the outside world: the CA store
        return trusting(cafile=str(cert))

    monkeypatch.setattr(ssl, "create_default_context", trusting_the_test_certificate)
    with tls_receiver(cert, key) as (port, seen):
        answer = transport.post(f"https://hooks.test:{port}/hook", body=b"{}", headers={})
    assert answer.status == 204, answer.reason
    assert seen == {"sni": "hooks.test", "host": f"hooks.test:{port}"}
    assert asked == ["hooks.test"]
