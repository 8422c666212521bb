"""A fediverse peer built on bovine (a fediverse library from PyPI, not Essaim's code), run by
test_interop.py in a virtual environment of its own (bovine pins an older `cryptography`).

Usage: python interop_peer.py HOST PORT. It serves one actor (/actor, RSA key made by bovine)
with an inbox (/inbox, also its shared inbox) that checks every POST with bovine's HTTP
signature checker (the key fetched from the sender) and keeps what verified; and a control
API for the test: POST /control/follow {"handle", "origin"} looks the handle up by WebFinger
with bovine and sends a Follow signed by bovine; POST /control/send {"activity", "inbox"}
signs and posts any activity; GET /control/received lists the verified activities."""

import json
import sys
from typing import Any

import aiohttp
from aiohttp import web
from bovine.clients import lookup_uri_with_webfinger
from bovine.clients.signed_http import legacy_digest_method
from bovine.clients.signed_http_methods import signed_post
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.types import CryptographicIdentifier, CryptographicSecret
from cryptography.hazmat.primitives import serialization


def main(host: str, port: int) -> None:
    origin = f"http://{host}:{port}"
    actor_id = f"{origin}/actor"
    public_pem, private_pem = generate_rsa_public_private_key()
    private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    secret = CryptographicSecret(key_id=f"{actor_id}#main-key", private_key=private_key)
    received: list[dict[str, Any]] = []
    refused: list[str] = []
    actor = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor_id,
        "type": "Person",
        "preferredUsername": "bovine",
        "name": "Bovine peer",
        "inbox": f"{origin}/inbox",
        "outbox": f"{origin}/outbox",
        "endpoints": {"sharedInbox": f"{origin}/inbox"},
        "publicKey": {"id": secret.key_id, "owner": actor_id, "publicKeyPem": public_pem},
    }

    async def retrieve(key_id: str) -> CryptographicIdentifier | None:
        async with aiohttp.ClientSession() as session:
            response = await session.get(
                key_id.split("#")[0], headers={"Accept": "application/activity+json"}
            )
            data = await response.json(content_type=None)
            return CryptographicIdentifier.from_public_key(data.get("publicKey", data))

    validate = build_validate_http_signature_raw(retrieve)

    async def get_actor(request: web.Request) -> web.Response:
        return web.json_response(actor, content_type="application/activity+json")

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()

        async def get_body() -> bytes:
            return body

        owner = await validate(request.method, str(request.url), request.headers, get_body)
        if owner is None:
            refused.append(request.headers.get("signature", ""))
            return web.Response(status=401)
        activity = json.loads(body)
        received.append({"signed_by": owner, "activity": activity})
        return web.Response(status=202)

    async def follow(request: web.Request) -> web.Response:
        asked = await request.json()
        async with aiohttp.ClientSession() as session:
            uri, _verify = await lookup_uri_with_webfinger(
                session, f"acct:{asked['handle']}", domain=asked["origin"]
            )
            assert uri is not None, "WebFinger found nothing"
            response = await session.get(uri, headers={"Accept": "application/activity+json"})
            group = await response.json(content_type=None)
            activity = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{actor_id}/follows/1",
                "type": "Follow",
                "actor": actor_id,
                "object": group["id"],
            }
            answer = await signed_post(
                session, secret, group["inbox"], json.dumps(activity), legacy_digest_method
            )
            return web.json_response(
                {"group": group, "status": answer.status, "answer": await answer.text()}
            )

    async def send(request: web.Request) -> web.Response:
        asked = await request.json()
        async with aiohttp.ClientSession() as session:
            answer = await signed_post(
                session,
                secret,
                asked["inbox"],
                json.dumps(asked["activity"]),
                legacy_digest_method,
            )
            return web.json_response({"status": answer.status, "answer": await answer.text()})

    async def listing(request: web.Request) -> web.Response:
        return web.json_response({"received": received, "refused": refused, "actor": actor_id})

    app = web.Application()
    app.router.add_get("/actor", get_actor)
    app.router.add_post("/inbox", inbox)
    app.router.add_post("/control/follow", follow)
    app.router.add_post("/control/send", send)
    app.router.add_get("/control/received", listing)
    web.run_app(app, host=host, port=port, print=lambda *args: print("ready", flush=True))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
