"""Demo data of the sso app: stand-in portal accounts for a few people of the demo school.

``load(school)`` (idempotent) writes the stand-in portal's account list (STANDIN_ACCOUNTS_FILE,
read by ``python -m sso.standin serve`` at start) and binds some of those accounts in the app:

- the personnel officer and one teacher are already bound: the portal alone gets them in;
- two more people are not bound yet: the first portal sign-in asks for their local account;
- a student of the school (refused) and a teacher of a school that does not use the system.

Only when the stand-in portal is the provider; with a real portal there is nothing to load.
"""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from sso.models import BindMethod, PortalIdentity
from sso.services import identity_bind
from sso.standin.subjects import pairwise_sub
from staff.models import Role, School, StaffMember

PORTAL_PASSWORD = "portal-demo"
OTHER_SCHOOL_CODE = "999999"


def _enabled() -> bool:
    return settings.STANDIN_PORTAL_ENABLED and settings.OIDC_PROVIDER == "standin"


def _portal_username(staff: StaffMember) -> str:
    return f"kh-{staff.user.get_username()}"


def _account(staff: StaffMember, note: str) -> dict[str, Any]:
    school = staff.school
    return {
        "username": _portal_username(staff),
        "password": PORTAL_PASSWORD,
        "fullname": staff.name,
        "email": staff.email,
        "schoolid": school.code,
        "schools": {school.code: school.name},
        "titles": {school.code: [staff.title or "教師"]},
        "note": note,
        "app_username": staff.user.get_username(),
    }


def _pick(school: School) -> tuple[list[StaffMember], list[StaffMember]]:
    people = list(
        StaffMember.objects.filter(school=school, is_active=True)
        .select_related("user", "school")
        .prefetch_related("roles")
        .order_by("employee_no")
    )
    roles = {s.pk: {r.role for r in s.roles.all()} for s in people}
    personnel = [s for s in people if Role.PERSONNEL in roles[s.pk]][:1]
    others = [s for s in people if s not in personnel and not roles[s.pk]]
    return personnel + others[:1], others[1:3]


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return []


def load(school: School) -> None:
    if not _enabled():
        return
    bound, unbound = _pick(school)
    accounts = [_account(s, "已綁定") for s in bound] + [_account(s, "尚未綁定") for s in unbound]
    accounts.append(
        {
            "username": f"kh-student-{school.code}",
            "password": PORTAL_PASSWORD,
            "fullname": "陳小明",
            "email": "",
            "schoolid": school.code,
            "schools": {school.code: school.name},
            "titles": {school.code: ["學生"]},
            "note": "學生（會被拒絕）",
        }
    )
    accounts.append(
        {
            "username": "kh-other-school",
            "password": PORTAL_PASSWORD,
            "fullname": "林他校",
            "email": "other@kh.example",
            "schoolid": OTHER_SCHOOL_CODE,
            "schools": {OTHER_SCHOOL_CODE: "未使用本系統的學校"},
            "titles": {OTHER_SCHOOL_CODE: ["教師"]},
            "note": "他校教師（學校未使用本系統）",
        }
    )
    path = Path(settings.STANDIN_ACCOUNTS_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = {a["username"] for a in accounts}
    kept = [a for a in _read(path) if a.get("username") not in mine]
    path.write_text(json.dumps(kept + accounts, ensure_ascii=False, indent=2), encoding="utf-8")

    issuer = settings.OIDC_OP_ISSUER
    for staff in bound:
        sub = pairwise_sub(_portal_username(staff), settings.OIDC_RP_CLIENT_ID)
        if PortalIdentity.objects.filter(user=staff.user, issuer=issuer).exists():
            continue
        with transaction.atomic():
            identity, _created = PortalIdentity.objects.get_or_create(
                issuer=issuer, sub=sub, defaults={"school": school, "name": staff.name, "email": staff.email}
            )
            if identity.user_id is None:
                identity_bind(identity_id=identity.pk, user=staff.user, actor=None, method=BindMethod.DEMO)


def sign_in_help() -> str:
    """Lines for load_demo to print: the portal accounts and what each one shows."""
    if not _enabled():
        return f"入口網登入：{settings.OIDC_PROVIDER_LABEL}（{settings.OIDC_OP_ISSUER}）"
    accounts = _read(Path(settings.STANDIN_ACCOUNTS_FILE))
    lines = [
        f"入口網登入：替身入口網 {settings.STANDIN_PORTAL_URL}/ （make run 會一起啟動），密碼一律 {PORTAL_PASSWORD}",
        "  在登入頁按「使用" + settings.OIDC_PROVIDER_LABEL + "登入」：",
    ]
    for account in accounts:
        line = f"  {account['username']:<22} {account['fullname']}：{account.get('note', '')}"
        if account.get("note") == "尚未綁定" and account.get("app_username"):
            line += f"，第一次請再用本系統帳號 {account['app_username']} 登入一次完成綁定"
        elif account.get("note") == "已綁定":
            line += "，直接進入"
        lines.append(line)
    return "\n".join(lines)
