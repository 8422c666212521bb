"""The loopback server the suites use to play the outside world: it records each request as
sent and answers what its function returns, on 127.0.0.1, until its block ends."""

import http.client

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from essaim.accounts.models import User
from essaim.core.tests.loopback import Answer, Loopback, Request, loopback


def ask(
    server: Loopback,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, str, bytes]:
    port = int(server.origin.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, body, headers or {})
        answer = connection.getresponse()
        return answer.status, answer.getheader("Content-Type", ""), answer.read()
    finally:
        connection.close()


def test_it_records_each_request_and_answers_what_its_function_returns() -> None:
    def respond(request: Request) -> Answer:
        if request.method == "POST":
            return Answer(201)
        return Answer.with_json({"asked": request.path}, content_type="application/ld+json")

    with loopback(respond) as server:
        assert server.origin.startswith("http://127.0.0.1:")
        posted = ask(server, "POST", "/inbox", body=b'{"a": 1}', headers={"X-Essaim-Test": "yes"})
        assert posted == (201, "", b"")
        got = ask(server, "GET", "/doc?x=1")
        assert got == (200, "application/ld+json", b'{"asked": "/doc?x=1"}')

    post, get = server.requests
    assert (post.method, post.path, post.json) == ("POST", "/inbox", {"a": 1})
    assert post.headers["x-essaim-test"] == "yes"
    assert (get.method, get.path, get.body) == ("GET", "/doc?x=1", b"")


def test_a_test_may_change_the_answer_while_it_runs_and_the_port_closes_after() -> None:
    with loopback(host="localhost") as server:
        assert server.origin.startswith("http://localhost:")
        server.respond = lambda request: Answer(503)
        assert ask(server, "PUT", "/") == (503, "", b"")
    with pytest.raises(ConnectionRefusedError):
        ask(server, "GET", "/")
    assert len(server.requests) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_function_that_reached_the_database_leaves_no_connection_open() -> None:
    """Its thread's connection is closed once it answered: a test database is dropped at the
    end of the run, which PostgreSQL refuses while a session still uses it. (SQLite's test
    database lives in memory, where Django ignores a close: PostgreSQL only.)"""
    used = []

    def respond(request: Request) -> Answer:
        User.objects.exists()
        own = connections[DEFAULT_DB_ALIAS]  # this thread's own
        assert own.connection is not None
        used.append(own)
        return Answer()

    with loopback(respond) as server:
        assert ask(server, "GET", "/")[0] == 200
    [own] = used
    assert own is not connections[DEFAULT_DB_ALIAS] and own.connection is None
