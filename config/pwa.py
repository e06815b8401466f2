"""The installable web app (docs/pwa.md): the web manifest, /favicon.ico, the service worker at the
site's root scope and the page it shows offline. None of these needs a signed-in person, and none
touches the database."""

import hashlib
import json
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from config.icons import THEME

THEME_COLOR = "#" + "".join(f"{part:02x}" for part in THEME)
BACKGROUND_COLOR = "#f6f7f9"  # --bg in static/css/app.css
ICONS = [
    ("icons/icon-192.png", "192x192", "any"),
    ("icons/icon-512.png", "512x512", "any"),
    ("icons/maskable-192.png", "192x192", "maskable"),
    ("icons/maskable-512.png", "512x512", "maskable"),
]
# What the service worker keeps for offline use besides the offline pages (docs/pwa.md).
SHELL_STATIC = ["css/app.css", "js/app.js", "js/clock.js", "js/pwa.js", "icons/icon-192.png"]


@lru_cache(maxsize=8)
def _static_file(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        raise Http404
    with open(found, "rb") as handle:
        return handle.read()


@require_GET
@cache_control(max_age=3600)
def manifest(request) -> HttpResponse:
    """The web manifest, in the language of the request (the name on the home screen)."""
    data = {
        "name": _("校園差勤"),
        "short_name": _("差勤"),
        "description": _("打卡、請假與代課，手機上就能用。"),
        "lang": "en" if translation.get_language() == "en" else "zh-Hant-TW",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [{"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
                  for path, sizes, purpose in ICONS],
    }
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")
    response["Vary"] = "Accept-Language, Cookie"
    return response


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request) -> HttpResponse:
    return HttpResponse(_static_file("icons/favicon.ico"), content_type="image/x-icon")


def _shell_urls() -> list[str]:
    offline = reverse("offline")
    return [f"{offline}?lang=zh-hant", f"{offline}?lang=en", *(static(path) for path in SHELL_STATIC)]


@require_GET
@cache_control(no_cache=True)
def service_worker(request) -> HttpResponse:
    """static/js/sw.js served from the root, so that its scope is the whole site.

    The list of what it keeps (with the static files' hashed names in production) is written into it
    here; the version is a hash of that list and of the script, so a deploy that changes either
    installs the new worker, which drops the old caches.
    """
    source = _static_file("js/sw.js").decode()
    shell = _shell_urls()
    version = hashlib.sha256((source + json.dumps(shell)).encode()).hexdigest()[:12]
    body = source.replace("/*SHELL*/[]", json.dumps(shell)).replace("/*VERSION*/\"dev\"", json.dumps(version))
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(no_cache=True)
def offline(request) -> HttpResponse:
    """What the service worker shows when the network is gone: kept per language (``?lang=``), with
    nobody's data in it (it is fetched once and shown to whoever is offline)."""
    language = request.GET.get("lang")
    if language not in {"en", "zh-hant"}:
        language = translation.get_language()
    with translation.override(language):
        return render(request, "offline.html", {"LANG": translation.get_language()})
