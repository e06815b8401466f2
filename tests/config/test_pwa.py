"""The installable web app: the manifest, the icons, /favicon.ico, the service worker and its offline page."""

import json
import re
import struct
import zlib

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from config import icons

pytestmark = pytest.mark.django_db


def _png_facts(data: bytes) -> tuple[int, int, int]:
    """(width, height, smallest alpha) of one of our PNGs (8-bit RGBA, no filters)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 6)
    raw, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            raw += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    pixels = zlib.decompress(raw)
    stride = width * 4 + 1
    alpha = min(pixels[row * stride + 1 + 3::4][:width][i] for row in range(height) for i in range(0, width, 7))
    return width, height, alpha


def _static(path: str) -> bytes:
    found = finders.find(path)
    assert found, path
    with open(found, "rb") as handle:
        return handle.read()


def test_the_manifest_names_the_app_in_the_users_language(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert (data["name"], data["short_name"], data["lang"]) == ("校園差勤", "差勤", "zh-Hant-TW")
    assert (data["start_url"], data["scope"], data["display"]) == ("/", "/", "standalone")
    assert re.fullmatch(r"#[0-9a-f]{6}", data["theme_color"]) and data["theme_color"] == "#0b6bcb"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = json.loads(client.get("/manifest.webmanifest").content)
    assert (english["name"], english["short_name"], english["lang"]) == ("Campus Attendance", "Attendance", "en")
    assert not re.search(r"[\u4e00-\u9fff]", json.dumps(english, ensure_ascii=False))


def test_the_icons_are_in_the_sizes_phones_ask_for(client):
    data = json.loads(client.get("/manifest.webmanifest").content)
    listed = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= listed
    for icon in data["icons"]:
        assert icon["type"] == "image/png"
        width, height, _alpha = _png_facts(_static(icon["src"].removeprefix("/static/")))
        assert f"{width}x{height}" == icon["sizes"], icon
    # Maskable and apple-touch icons are opaque to the edge (launchers cut them; iOS rounds them).
    for name, size in (("maskable-192.png", 192), ("maskable-512.png", 512), ("apple-touch-icon.png", 180)):
        assert _png_facts(_static(f"icons/{name}")) == (size, size, 255)
    # "any" icons have transparent rounded corners.
    assert _png_facts(_static("icons/icon-192.png"))[2] == 0


def test_the_committed_icons_are_what_the_script_draws():
    """static/icons/ is made by config/icons.py (standard library only), not copied from anywhere."""
    assert _static("icons/icon-192.png") == icons.png(192, icons.draw(192, *icons.ICONS["icon-192.png"][1:]))
    assert _static("icons/apple-touch-icon.png") == icons.png(
        180, icons.draw(180, *icons.ICONS["apple-touch-icon.png"][1:])
    )
    favicon = _static("icons/favicon.ico")
    assert favicon == icons.ico([(size, icons.png(size, icons.draw(size, 0.18, 1.0))) for size in icons.FAVICON_SIZES])


def test_the_favicon_answers_on_every_page(client, people, client_for):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    reserved, kind, count = struct.unpack("<HHH", response.content[:6])
    assert (reserved, kind, count) == (0, 1, len(icons.FAVICON_SIZES))
    # Every page names it, the manifest, the theme colour and the touch icon (the layout's head).
    pages = [client.get("/accounts/login/")]
    teacher = client_for(people["teacher"])
    pages += [teacher.get(url) for url in ("/", reverse("attendance:clock"), reverse("attendance:my_month"))]
    for page in pages:
        html = page.content.decode()
        assert '<link rel="icon" href="/favicon.ico"' in html
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html
        assert '<meta name="theme-color" content="#0b6bcb">' in html
        assert 'rel="apple-touch-icon"' in html
        assert re.search(r'<script src="[^"]*js/pwa\.js" defer></script>', html)


def test_the_service_worker_is_served_from_the_root_with_its_shell(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", body).group(1))
    assert {"/offline/?lang=zh-hant", "/offline/?lang=en"} <= set(shell)
    assert any(url.endswith("css/app.css") for url in shell)
    assert not [url for url in shell if "punch" in url or "/api/" in url]
    assert re.search(r'const VERSION = "[0-9a-f]{12}";', body)
    # A POST is never put in a cache nor queued: the worker's only POST handling is fetch-or-offline-page.
    assert "cache.put(request" not in body.split('request.method !== "GET"', 1)[1].split("return; // every", 1)[0]


def test_the_offline_page_says_a_punch_needs_the_server_and_holds_nobodys_data(people, client_for):
    client = client_for(people["teacher"])
    chinese = client.get("/offline/?lang=zh-hant").content.decode()
    assert "打卡需要伺服器的時間" in chinese and 'lang="zh-Hant-TW"' in chinese
    english = client.get("/offline/?lang=en").content.decode()
    assert "A punch needs the server's time" in english and 'lang="en"' in english
    assert not re.search(r"[\u4e00-\u9fff]", english)
    for page in (chinese, english):
        assert people["teacher"].name not in page and "csrfmiddlewaretoken" not in page
        assert "<script" not in page
    assert client.get("/offline/?lang=xx").status_code == 200
