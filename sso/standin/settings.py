"""Settings of the stand-in portal project (never the app's: its own database, key and cookies).

Environment:
    STANDIN_PORTAL_URL      where it is served, e.g. http://127.0.0.1:8001 (the issuer is URL + /o)
    STANDIN_VAR_DIR         its SQLite file, Django secret and RS256 key (default var/standin/)
    STANDIN_APP_URLS        the app's base URLs, comma-separated, registered as redirect URIs
    STANDIN_CLIENT_ID/_SECRET   the app's client credentials (defaults match the app's preset)
    STANDIN_ACCOUNTS_FILE   a JSON list of demo accounts to load at start (sso/demo.py writes it)
"""

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

from sso.providers import STANDIN_CLIENT_ID, STANDIN_CLIENT_SECRET


def _envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parents[2]
DEBUG = _envbool("DEBUG", "1")
if not DEBUG or not _envbool("STANDIN_PORTAL_ENABLED", "1"):
    raise ImproperlyConfigured("The stand-in portal accepts demo passwords: it runs only with DEBUG on.")

PORTAL_URL = os.getenv("STANDIN_PORTAL_URL", "http://127.0.0.1:8001").rstrip("/")
VAR_DIR = Path(os.getenv("STANDIN_VAR_DIR", BASE_DIR / "var" / "standin"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
APP_URLS = [
    u.strip().rstrip("/") for u in os.getenv("STANDIN_APP_URLS", "http://127.0.0.1:8000").split(",") if u.strip()
]
CLIENT_ID = os.getenv("STANDIN_CLIENT_ID", STANDIN_CLIENT_ID)
CLIENT_SECRET = os.getenv("STANDIN_CLIENT_SECRET", STANDIN_CLIENT_SECRET)
ACCOUNTS_FILE = Path(os.getenv("STANDIN_ACCOUNTS_FILE", VAR_DIR / "demo_accounts.json"))


def _kept(name: str, make) -> str:
    """A value generated on first start and kept under VAR_DIR (readable by its owner only)."""
    path = VAR_DIR / name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(make())
    return path.read_text()


def _rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


SECRET_KEY = _kept("secret_key", lambda: secrets.token_urlsafe(50))
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "sso.standin",  # before oauth2_provider: its templates replace the consent and logout pages
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "sso.standin.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "portal.sqlite3",
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cookies are per host, not per port: on 127.0.0.1 the app and the portal would share
# "sessionid" and sign each other out. The portal's carry their own names.
SESSION_COOKIE_NAME = "standin_sessionid"
CSRF_COOKIE_NAME = "standin_csrftoken"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "zh-hant"
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
USE_TZ = True

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _kept("oidc_rsa.pem", _rsa_pem),
    "OIDC_ISS_ENDPOINT": f"{PORTAL_URL}/o",
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_SUBJECT_TYPES_SUPPORTED": ["pairwise"],
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # S256 only
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_VALIDATOR_CLASS": "sso.standin.validators.KaohsiungClaims",
    "SCOPES": {
        "openid": "帳號",
        "profile": "基本個人資料",
        "email": "電子郵件",
        "kh_profile": "學校與姓名",
        "kh_titles": "職稱",
    },
    "DEFAULT_SCOPES": ["openid"],
    "REQUEST_APPROVAL_PROMPT": "auto",  # remembers consent while a token is valid, like the real one
    "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
    "ID_TOKEN_EXPIRE_SECONDS": 300,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
}
