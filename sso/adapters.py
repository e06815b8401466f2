"""One small claim adapter per provider: provider claims in, a normalised PortalProfile out.

Everything provider-specific about claims lives here, so a third provider is one new adapter
(and a preset in sso/providers.py), not edits across the code. The rest of the app only sees
``PortalProfile``. (The model that stores a portal identity is sso.models.PortalIdentity.)
"""

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from sso.errors import SignInFailed

STUDENT_MARKERS = ("學生",)

# fetch(url, access_token) -> JSON object; supplied by the backend so adapters do no HTTP setup.
Fetch = Callable[[str, str], Mapping[str, Any]]


@dataclass(frozen=True)
class PortalProfile:
    issuer: str
    sub: str
    name: str
    email: str  # may be empty: the Kaohsiung portal does not always send one
    school_code: str
    titles: tuple[str, ...] = ()
    is_student: bool = False
    other_school_codes: tuple[str, ...] = field(default=())  # further schools the person belongs to

    @property
    def title(self) -> str:
        """The title to show in the app: the person's titles at their school, joined."""
        return "、".join(self.titles)[:50]


def _strings(value: Any) -> list[str]:
    """Flatten a claim that may be a string, a list, or an object of those into strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, Iterable):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


def _object(value: Any) -> Mapping[str, Any]:
    """Some providers send structured claims as JSON text; accept both."""
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, Mapping) else {}


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def _is_student(titles: Iterable[str]) -> bool:
    return any(marker in title for title in titles for marker in STUDENT_MARKERS)


class ClaimAdapter:
    key = ""

    def extra_claims(self, *, access_token: str, fetch: Fetch) -> dict[str, Any]:
        """Claims that live outside the ID token and userinfo (none by default)."""
        return {}

    def profile(self, claims: Mapping[str, Any]) -> PortalProfile:
        raise NotImplementedError


class KaohsiungAdapter(ClaimAdapter):
    """kh_profile = {fullname, email, schoolid, schools: {schoolid: name}}; kh_titles = {...: title}.

    ``kh_titles`` values may be a title or a list of titles; when its keys are school codes,
    only the titles at the person's school are kept.
    """

    key = "kh"

    def profile(self, claims: Mapping[str, Any]) -> PortalProfile:
        kh = _object(claims.get("kh_profile"))
        raw_titles = _object(claims.get("kh_titles")) or claims.get("kh_titles")
        school_code = str(kh.get("schoolid") or "").strip()
        schools = _object(kh.get("schools"))
        if isinstance(raw_titles, Mapping) and school_code in raw_titles:
            titles = _unique(_strings(raw_titles[school_code]))
        else:
            titles = _unique(_strings(raw_titles))
        return PortalProfile(
            issuer=str(claims["iss"]),
            sub=str(claims["sub"]),
            name=str(kh.get("fullname") or claims.get("name") or "").strip(),
            email=str(kh.get("email") or claims.get("email") or "").strip(),
            school_code=school_code,
            titles=titles,
            is_student=_is_student(titles),
            other_school_codes=_unique(str(code) for code in schools if str(code) != school_code),
        )


class MinistryAdapter(ClaimAdapter):
    """eduinfo = {sub, schoolid, titles: [{schoolid, titles: [...]}], classinfo: [...]}.

    The Ministry serves eduinfo from its own resource endpoint (OIDC_OP_EXTRA_CLAIMS_ENDPOINT),
    called with the access token; a provider that puts it in userinfo works too.
    """

    key = "moe"

    def extra_claims(self, *, access_token: str, fetch: Fetch) -> dict[str, Any]:
        url = getattr(settings, "OIDC_OP_EXTRA_CLAIMS_ENDPOINT", "")
        if not url:
            return {}
        eduinfo = dict(fetch(url, access_token))
        return {"eduinfo": eduinfo}

    def profile(self, claims: Mapping[str, Any]) -> PortalProfile:
        edu = _object(claims.get("eduinfo"))
        if edu.get("sub") and str(edu["sub"]) != str(claims["sub"]):
            raise SignInFailed("eduinfo_sub_mismatch", f"eduinfo sub {edu['sub']!r}")
        school_code = str(edu.get("schoolid") or "").strip()
        titles: list[str] = []
        others: list[str] = []
        for entry in edu.get("titles") or []:
            entry = _object(entry)
            code = str(entry.get("schoolid") or "").strip()
            if code == school_code:
                titles += _strings(entry.get("titles"))
            elif code:
                others.append(code)
        titles_t = _unique(titles)
        return PortalProfile(
            issuer=str(claims["iss"]),
            sub=str(claims["sub"]),
            name=str(claims.get("name") or "").strip(),
            email=str(claims.get("email") or "").strip(),
            school_code=school_code,
            titles=titles_t,
            # A class and seat number (classinfo) only students have.
            is_student=_is_student(titles_t) or bool(edu.get("classinfo")),
            other_school_codes=_unique(others),
        )


ADAPTERS: dict[str, type[ClaimAdapter]] = {"kh": KaohsiungAdapter, "moe": MinistryAdapter}


def get_adapter() -> ClaimAdapter:
    name = settings.OIDC_CLAIM_ADAPTER
    cls = ADAPTERS.get(name) or import_string(name)
    return cls()
