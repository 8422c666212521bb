"""The OpenAPI schema is a contract: any change to it shows up in review as a change to the
committed snapshot `openapi.json` beside this file.

After an intended change to the API, refresh the snapshot and commit it with the change:

    ESSAIM_UPDATE_OPENAPI_SNAPSHOT=1 .venv/bin/python -m pytest essaim/api/tests/test_openapi.py

(the test then writes the current schema and passes; run it again without the variable).
"""

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from essaim.api.api import api

SNAPSHOT = Path(__file__).with_name("openapi.json")


def _current() -> dict[str, object]:
    # A JSON round trip: the snapshot holds what clients download (strings, not lazy texts).
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), default=str))


def test_the_schema_matches_the_committed_snapshot() -> None:
    current = _current()
    if os.environ.get("ESSAIM_UPDATE_OPENAPI_SNAPSHOT") == "1":
        SNAPSHOT.write_text(
            json.dumps(current, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        )
    assert SNAPSHOT.exists(), "no snapshot: see this module's docstring"
    assert current == json.loads(SNAPSHOT.read_text()), (
        "the API's schema changed: if that is intended, refresh the snapshot (see the docstring)"
    )


@pytest.mark.django_db
def test_the_app_serves_the_schema() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    served = response.json()
    assert served["info"]["title"] == "Essaim API"
    assert served["paths"].keys() == _current()["paths"].keys()  # type: ignore[attr-defined]


def test_reads_are_documented_as_open_to_anonymous_callers() -> None:
    paths: Any = _current()["paths"]
    anonymous = {
        (method, path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if {} in operation["security"]
    }
    reads = {(method, path) for path, operations in paths.items() for method in operations}
    reads = {(method, path) for method, path in reads if method == "get"}
    # One's own account is the one read that needs credentials; acting and giving without an
    # account are the writes that take none.
    guest_writes = {
        ("post", "/api/v1/campaigns/{slug}/guest-actions"),
        ("post", "/api/v1/campaigns/{slug}/guest-gifts"),
    }
    assert anonymous == (reads - {("get", "/api/v1/me")}) | guest_writes
    assert len(anonymous) == 26  # 20, and the six reads around a place (routers/places.py)
