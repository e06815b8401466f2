"""What the URL and API sweeps share: the project's URL patterns, concrete URLs for them, and a DB snapshot."""

import re
from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

# Not swept: the admin (Django's own, staff-only), the portal's OIDC hand-shake (needs a provider; the sso
# tests run it against a real one), the language switch (POST only, public by design) and the OpenAPI
# schema and its viewer (public descriptions, no data).
SKIPPED_PREFIXES = ("admin/", "oidc/", "i18n/", "api/schema/", "api/docs/")

# Public by design: they answer an anonymous visitor with 200 and no one's data.
PUBLIC = {
    "healthz": "the load balancer's health check",
    "login": "the sign-in page",
    "sso:password_reset": "asking for a reset link",
    "sso:password_reset_done": "“a link was sent”",
    "sso:password_reset_confirm": "a reset link (an invalid token shows “the link is invalid”)",
    "sso:password_reset_complete": "“your password is set”",
    "manifest": "the web manifest: browsers fetch it without credentials (docs/pwa.md)",
    "favicon": "/favicon.ico, asked for by every page and the sign-in page",
    "service_worker": "the service worker, registered from any page (docs/pwa.md)",
    "offline": "the offline page the service worker keeps: nobody's data in it",
    "calendar_feed": "a person's iCal feed: calendar apps fetch it without a session; the secret token in the "
    "address is the credential, a wrong or revoked one is a 404 (config/feeds.py)",
}
# Signing out: POST only; an anonymous GET is refused with 405 (the OIDC logout view takes no GET).
SIGN_OUT = {"logout"}


# Query parameters a hand-typed or stale URL may carry: pages and endpoints answer them without a 500.
GARBAGE_QUERY = {
    "start": "abc", "end": "2025-13-45", "date": "yesterday", "day": "32", "month": "13", "year": "-1",
    "page": "x", "week": "0", "semester": "abc", "staff": "abc", "unit": "abc", "status": "nonsense",
    "type": "x", "kind": "x", "fmt": "x", "q": "%00", "name": "\u0000", "from": "2025-02-30", "to": "x",
    "teacher": "abc", "school_year": "abc", "term": "9", "paid_by": "x", "ordering": "nonsense",
}


# Values at the edge of what a date, month, year or id can be: the calendar's ends (year 1, 9999, 99999),
# impossible dates and months, other scripts' digits, ids too large for any column, negative ones.
EDGE_VALUES = (
    "0001-01-01", "9999-12-31", "99999-01-01", "0000-00-00", "9999-12", "2025-13", "9999",
    "\u0661\u0662", "\uff11\uff12", "1" * 30, "-1",
)
# Every query parameter the pages and endpoints read a date, month, year or id from.
EDGE_KEYS = (
    *GARBAGE_QUERY, "on", "date_after", "date_before", "start_date", "end_date", "id", "ids", "pk", "staff_id",
    "leave_type", "deputy", "applicant", "need", "substitute", "school_day",
)


def edge_query(value: str) -> dict[str, str]:
    """Every date, month, year and id parameter set to one edge value (``?month=9999-12&staff=111…``)."""
    return dict.fromkeys(EDGE_KEYS, value)


# Values of a path parameter, by its converter, that no table or calendar holds: each must be a 404.
EDGE_PATH_VALUES = {
    "id": ("1" * 30, "9" * 19, "0", "-1", "\u0661\u0662"),
    "year": ("99999", "9999", "0001", "0", "\uff11\uff12"),
    "month": ("13", "0", "99", "-1"),
}


@dataclass(frozen=True)
class Route:
    name: str  # "leave:detail", or the route itself when the pattern has no name
    route: str  # "leave/requests/<int:pk>/"
    params: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    def __str__(self) -> str:
        return self.name


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, route, ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or route)
            yield Route(name=name, route=route, params=tuple(pattern.pattern.regex.groupindex))


def project_routes() -> list[Route]:
    """Every URL pattern of the project (recursively), less the skipped ones."""
    return [r for r in _walk(get_resolver()) if not r.route.startswith(SKIPPED_PREFIXES)]


_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def bare_int_converters(route: Route) -> list[str]:
    """The parameters of a pattern that use Django's unbounded ``int`` converter (they must use ``id``,
    ``year`` or ``month`` from common.inputs, which stop at what a table or the calendar holds)."""
    from django.urls.converters import IntConverter

    return [
        name for name, converter in _converters(route.route).items() if isinstance(converter, IntConverter)
    ]


def bounded_params(route: Route) -> dict[str, str]:
    """The parameters of a pattern that take a number, with their converter: {"pk": "id", "year": "year"}."""
    return {m["name"]: m["conv"] for m in _CONVERTER.finditer(route.route) if m["conv"] in EDGE_PATH_VALUES}


def _converters(route: str) -> dict:
    from django.urls.converters import get_converters

    known = get_converters()
    return {m["name"]: known[m["conv"] or "str"] for m in _CONVERTER.finditer(route)}


def concrete(route: Route, values: dict[str, object]) -> str:
    """The route with its parameters filled in: concrete(route, {"pk": 3}) -> "/leave/requests/3/"."""
    missing = [p for p in route.params if p not in values]
    assert not missing, f"{route}: no value for {missing}; add the pattern to the sweep's table"
    return "/" + _CONVERTER.sub(lambda m: str(values[m["name"]]), route.route)


# Every app's models: a row count per model is enough to see that a refused request changed nothing.
SNAPSHOT_APPS = ("staff", "schedules", "attendance", "leave", "substitutes", "notifications", "sso", "audit")


def db_snapshot() -> dict[str, tuple]:
    """Row counts and last-modified markers of every model of the project's apps."""
    snap = {}
    for label in SNAPSHOT_APPS:
        for model in apps.get_app_config(label).get_models():
            fields = [f.attname for f in model._meta.concrete_fields if f.attname in _STATE_FIELDS]
            rows = model.objects.order_by("pk").values_list("pk", *fields)
            snap[model._meta.label] = tuple(rows)
    return snap


# Columns whose change is a state change (a status flipped, a binding moved, a notice read).
_STATE_FIELDS = {"status", "user_id", "read_at", "decided_at", "is_active", "head_id", "approver_id", "bound_at"}


def snapshot_diff(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after.get(label)]
