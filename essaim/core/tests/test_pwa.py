"""The installable app: what browsers check before they offer to install it (the manifest's
fields and icons, a service worker with a fetch handler, served for the whole site), and
that the service worker keeps nothing personal."""

import io
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from essaim.accounts.tests.factories import UserFactory
from essaim.core.views_pwa import shell_urls

pytestmark = pytest.mark.django_db


def test_manifest_has_what_installability_asks_for(client: Client) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Essaim"
    assert manifest["short_name"] == "Essaim"
    assert manifest["start_url"] == "/?source=app"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#1f1a10"
    assert manifest["background_color"] == "#fffdf7"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"] if "purpose" in icon}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    assert [shortcut["url"] for shortcut in manifest["shortcuts"]] == [
        "/notifications/my-campaigns/",
        "/notifications/today/",
    ]


def test_manifest_speaks_the_readers_language(client: Client) -> None:
    client.cookies["django_language"] = "fr"
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    assert manifest["lang"] == "fr"
    assert [shortcut["name"] for shortcut in manifest["shortcuts"]] == [
        "Mes campagnes",
        "Le défi du jour",
    ]


def test_every_icon_is_a_png_of_its_stated_size(client: Client) -> None:
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    for icon in manifest["icons"]:
        if icon["type"] != "image/png":
            # A static file (the test client serves none): it must exist.
            assert finders.find(icon["src"].removeprefix("/static/")), icon
            continue
        response = client.get(icon["src"])
        assert response.status_code == 200, icon
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "PNG"
        assert f"{image.width}x{image.height}" == icon["sizes"]
    assert client.get("/icons/100.png").status_code == 404


def test_the_pages_link_the_manifest_and_register_the_worker(client: Client) -> None:
    html = client.get("/campaigns/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="theme-color" content="#1f1a10">' in html
    assert re.search(r'<script src="/static/essaim/pwa\.js" defer></script>', html)


def test_service_worker_is_served_for_the_whole_site(client: Client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    # No inline script is involved: the worker is a script file of the site itself.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    body = response.content.decode()
    assert 'addEventListener("fetch"' in body
    assert 'addEventListener("push"' in body
    assert 'addEventListener("notificationclick"' in body


def test_service_worker_caches_the_public_shell_only(client: Client) -> None:
    body = client.get("/sw.js").content.decode()
    config = json.loads(re.search(r"const CONFIG = (\{.*?\});", body).group(1))  # type: ignore[union-attr]
    assert config["shell"] == shell_urls()
    assert config["offline"] == "/offline/"
    assert all(url.startswith(("/static/", "/icons/", "/offline/")) for url in config["shell"])
    # The worker answers only GETs from caches, and pages from the network.
    assert 'if (request.method !== "GET") return;' in body
    assert 'if (request.mode === "navigate")' in body


def test_offline_page_is_the_same_for_everyone(client):
    anonymous = client.get("/offline/")
    user = UserFactory(display_name="Quelqu'un")
    client.force_login(user)
    logged_in = client.get("/offline/")
    assert logged_in.status_code == 200
    assert logged_in.content == anonymous.content
    text = logged_in.content.decode()
    assert "Quelqu" not in text
    assert "csrf" not in text.lower()
    assert 'data-testid="offline"' in text
