"""Loading the stand-in's accounts and registering the app as its client (idempotent)."""

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from oauth2_provider.models import get_application_model

from sso.standin.models import PortalAccount


def load_accounts(entries: list[dict[str, Any]]) -> int:
    """Create or update accounts: {username, password, fullname, email, schoolid, schools, titles, note}."""
    User = get_user_model()
    with transaction.atomic():
        for entry in entries:
            user, _created = User.objects.get_or_create(username=entry["username"])
            user.set_password(entry["password"])
            user.save()
            school = str(entry["schoolid"])
            PortalAccount.objects.update_or_create(
                user=user,
                defaults={
                    "fullname": entry["fullname"],
                    "email": entry.get("email", ""),
                    "school_code": school,
                    "schools": entry.get("schools") or {school: ""},
                    "titles": entry.get("titles") or {},
                    "note": entry.get("note", ""),
                },
            )
    return len(entries)


def load_accounts_file(path: Path) -> int:
    return load_accounts(json.loads(Path(path).read_text(encoding="utf-8")))


def register_client(*, client_id: str, client_secret: str, app_urls: list[str], name: str = "校園差勤") -> None:
    """The app as a confidential client: code flow, RS256 ID tokens, its callback and sign-in page."""
    Application = get_application_model()
    Application.objects.update_or_create(
        client_id=client_id,
        defaults={
            "name": name,
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "client_secret": client_secret,
            "hash_client_secret": True,
            "algorithm": Application.RS256_ALGORITHM,
            "redirect_uris": " ".join(f"{url}/oidc/callback/" for url in app_urls),
            "post_logout_redirect_uris": " ".join(f"{url}/accounts/login/" for url in app_urls),
            "skip_authorization": False,
        },
    )
