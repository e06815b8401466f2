"""Production's cache (common/cache.py): Django's Redis cache, answering as it does, with one client per pool."""

import os
import secrets
import subprocess
import sys

import pytest
from django.core.cache import caches


@pytest.fixture
def redis_cache(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs Redis (CELERY_BROKER_URL), as production's CACHE_URL")
    settings.CACHES = {
        "default": {"BACKEND": "common.cache.RedisCache", "LOCATION": settings.CELERY_BROKER_URL,
                    "KEY_PREFIX": secrets.token_hex(8)},
        "django": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.CELERY_BROKER_URL,
                   "KEY_PREFIX": secrets.token_hex(8)},
    }
    ours, django = caches["default"], caches["django"]
    yield ours, django
    for cache in (ours, django):
        cache.delete_many(["a", "b", "n", "gone"])


def test_the_cache_answers_as_django_s_own(redis_cache):
    for cache in redis_cache:
        assert cache.add("a", {"x": [1, 2]}, 60) and not cache.add("a", "other", 60)
        cache.set_many({"b": b"\x00bytes", "n": 5}, 60)
        assert cache.get_many(["a", "b", "n", "gone"]) == {"a": {"x": [1, 2]}, "b": b"\x00bytes", "n": 5}
        assert cache.incr("n") == 6 and cache.delete("a") and cache.get("a") is None


def test_one_client_serves_every_call(redis_cache, monkeypatch):
    ours, django = redis_cache
    made = []
    for cache in (ours, django):
        monkeypatch.setattr(cache._cache, "_client", lambda *a, _c=cache._cache._client, _for=cache, **k: (
            made.append(_for) or _c(*a, **k)
        ))
    for _ in range(5):
        ours.get("a"), ours.set("b", 1, 60), ours.get_many(["a", "b"])
        django.get("a"), django.set("b", 1, 60), django.get_many(["a", "b"])
    assert made.count(ours) == 1  # Django's own made one for each of its 15 calls
    assert made.count(django) == 15


def test_production_uses_it(settings):
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'])")
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "CACHE_URL": "redis://127.0.0.1:1/0"}
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                          cwd=settings.BASE_DIR, check=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "common.cache.RedisCache"
