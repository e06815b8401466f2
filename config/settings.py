"""One settings module for every environment, driven by environment variables.

With no variables set it runs the embedded demo: SQLite, Celery tasks in-process,
the stand-in portal as the OpenID provider and email printed to the console.
Setting DATABASE_URL and CELERY_BROKER_URL (Redis) switches to the production setup.
Every variable is documented in .env.example.
"""

import os
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sso.providers import provider_preset

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envsecret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file that NAME_FILE points to (Docker/K8s secrets)."""
    path = os.getenv(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.getenv(name, default)


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "1")
SECRET_KEY = envsecret("SECRET_KEY", "demo-only-not-secret" if DEBUG else "")
# Values that must never sign production sessions: .env.example's placeholder and the like.
EXAMPLE_SECRET_KEYS = {"change-me", "changeme", "secret", "demo-only-not-secret"}


def check_secret_key(key: str) -> None:
    """Refuse to start in production without a real key (Django's own bar: 50+ characters, 5+ distinct)."""
    if not key:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off.")
    if key.strip().lower() in EXAMPLE_SECRET_KEYS or key.startswith("django-insecure-"):
        raise ImproperlyConfigured("SECRET_KEY is the example value; generate one (see .env.example).")
    if len(key) < 50 or len(set(key)) < 5:
        raise ImproperlyConfigured("SECRET_KEY is too short: use at least 50 random characters (see .env.example).")


if not DEBUG:
    check_secret_key(SECRET_KEY)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mozilla_django_oidc",
    "axes",
    "csp",
    "staff",
    "audit",
    "notifications",
    "sso",
    "schedules",
    "attendance",
    "leave",
    "substitutes",
    "offices",
]

MIDDLEWARE = [
    # First: a request id and the client's address for everything after it (audit, logs, lockout).
    "common.request_context.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside CSPMiddleware: names the portal in form-action as each page is answered (sso/form_action.py).
    "sso.form_action.PortalFormActionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A JSON 413 for an over-size API body, before anything reads it.
    "config.middleware.ApiBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "staff.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "staff.context_processors.current_staff",
                "notifications.context_processors.unread_notifications",
            ],
            "builtins": ["staff.templatetags.twdate"],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Persistent connections in production (a new connection per request cost a quarter of the
        # punch throughput); the demo's threaded server keeps closing them.
        conn_max_age=envint("DB_CONN_MAX_AGE", "0" if DEBUG else "60"),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server and a statement prepared on a connection's second run of it: PostgreSQL then
    # parses and plans each of the requests' few dozen statements once per connection instead of at every run
    # (half its CPU on a leave submission; bench/README.md). DB_PREPARE_THRESHOLD=off for a pooler that cannot
    # keep prepared statements (PgBouncer in transaction mode before 1.21; docs/deploy.md).
    _prepare = os.getenv("DB_PREPARE_THRESHOLD", "2").strip().lower()
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": None if _prepare in {"off", "none", ""} else int(_prepare)}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Busy timeout so the demo's threaded server and in-process tasks don't trip over locks.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ---------------------------------------------------
# CACHE_URL (Redis, shared by every web and worker process) in production: sessions, the duty
# windows of the clock page, and the keys that coalesce the daily-result recomputes of a burst of
# punches. Unset (the demo, tests): memory of the one process.
# Also the rate-limit counters (password reset, API throttling): shared by every app server.
CACHE_URL = os.getenv("CACHE_URL", "")
CACHES = {
    # Django's Redis cache, one client per pool (common/cache.py).
    "default": {"BACKEND": "common.cache.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Sessions read from the cache (no query per request), written through to the database on sign-in.
SESSION_ENGINE = os.getenv(
    "SESSION_ENGINE",
    "django.contrib.sessions.backends.cached_db" if CACHE_URL else "django.contrib.sessions.backends.db",
)

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "staff.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the session's account with its person in one query (staff/backends.py).
    "staff.backends.AccountBackend",
    "sso.backends.PortalOIDCBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", str(60 * 60))
# Reset requests (sso/ratelimit.py): links sent to one email address, and requests answered from one
# client address, per window; over either, the same answer and nothing sent.
PASSWORD_RESET_RATE_WINDOW = envint("PASSWORD_RESET_RATE_WINDOW", str(60 * 60))
PASSWORD_RESET_LIMIT_PER_EMAIL = envint("PASSWORD_RESET_LIMIT_PER_EMAIL", "3")
PASSWORD_RESET_LIMIT_PER_ADDRESS = envint("PASSWORD_RESET_LIMIT_PER_ADDRESS", "10")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# Shared school computers (staff rooms, the office's front desk): the session cookie ends when the
# browser closes, and a session lasts one working day at most (10 h from sign-in, checked by the server
# whatever the browser does), so a browser left open in the staff room is signed out by the next
# morning. The portal's single sign-on makes signing in again one tap.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(10 * 60 * 60))

# --- The client's address behind the reverse proxy (common/client.py) ------
# One notion for the sign-in lockout, the clock-in network rule, the audit trail and the logs.
# BEHIND_PROXY=1: the proxy terminates TLS (X-Forwarded-Proto) and appends the client's address to
# X-Forwarded-For. TRUSTED_PROXY_COUNT proxies in a row do so (default: 1 behind a proxy, else 0 =
# the header is ignored); TRUSTED_PROXY_ADDRESSES (networks) restricts whose header is read.
BEHIND_PROXY = envbool("BEHIND_PROXY", "0")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# HTTPS only in production: plain-HTTP requests are redirected (the proxy says which were HTTPS),
# browsers told to use HTTPS for a year (HSTS). /healthz stays reachable over plain HTTP for the
# proxy's health check.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "0" if DEBUG else "1")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600))
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "1")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "1")
TRUSTED_PROXY_COUNT = envint(
    "TRUSTED_PROXY_COUNT",
    # The names of earlier releases still count.
    os.getenv("ATTENDANCE_TRUSTED_PROXY_COUNT") or os.getenv("AXES_PROXY_COUNT") or ("1" if BEHIND_PROXY else "0"),
)
TRUSTED_PROXY_ADDRESSES = envlist("TRUSTED_PROXY_ADDRESSES")

# === sso: portal sign-in (OpenID Connect), binding, local accounts ===========
# Owned by the sso app; docs/sso.md explains each variable. OIDC_PROVIDER picks a preset of
# sso/providers.py (kh, moe, standin) and every value of the preset can be overridden here.
OIDC_PROVIDER = os.getenv("OIDC_PROVIDER", "standin")
STANDIN_PORTAL_ENABLED = envbool("STANDIN_PORTAL_ENABLED", "1" if DEBUG else "0")
STANDIN_PORTAL_URL = os.getenv("STANDIN_PORTAL_URL", "http://127.0.0.1:8001").rstrip("/")
STANDIN_ACCOUNTS_FILE = Path(os.getenv("STANDIN_ACCOUNTS_FILE", BASE_DIR / "var" / "standin" / "demo_accounts.json"))
_portal = provider_preset(OIDC_PROVIDER, standin_url=STANDIN_PORTAL_URL)
OIDC_PROVIDER_LABEL = os.getenv("OIDC_PROVIDER_LABEL", _portal.label)
OIDC_OP_ISSUER = os.getenv("OIDC_OP_ISSUER", _portal.issuer)
OIDC_OP_AUTHORIZATION_ENDPOINT = os.getenv("OIDC_OP_AUTHORIZATION_ENDPOINT", _portal.authorization_endpoint)
OIDC_OP_TOKEN_ENDPOINT = os.getenv("OIDC_OP_TOKEN_ENDPOINT", _portal.token_endpoint)
OIDC_OP_USER_ENDPOINT = os.getenv("OIDC_OP_USER_ENDPOINT", _portal.userinfo_endpoint)
OIDC_OP_JWKS_ENDPOINT = os.getenv("OIDC_OP_JWKS_ENDPOINT", _portal.jwks_endpoint)
OIDC_OP_LOGOUT_ENDPOINT = os.getenv("OIDC_OP_LOGOUT_ENDPOINT", _portal.end_session_endpoint)
OIDC_OP_EXTRA_CLAIMS_ENDPOINT = os.getenv("OIDC_OP_EXTRA_CLAIMS_ENDPOINT", _portal.extra_claims_endpoint)
OIDC_RP_CLIENT_ID = os.getenv("OIDC_RP_CLIENT_ID", _portal.client_id)
OIDC_RP_CLIENT_SECRET = envsecret("OIDC_RP_CLIENT_SECRET", _portal.client_secret)
OIDC_RP_SCOPES = os.getenv("OIDC_RP_SCOPES", _portal.scopes)
OIDC_TOKEN_USE_BASIC_AUTH = os.getenv("OIDC_TOKEN_AUTH_METHOD", _portal.token_auth_method) == "client_secret_basic"
OIDC_CLAIM_ADAPTER = os.getenv("OIDC_CLAIM_ADAPTER", _portal.adapter)
OIDC_FETCH_USERINFO = envbool("OIDC_FETCH_USERINFO", "1")
OIDC_POST_LOGOUT_REDIRECT_URI = os.getenv("OIDC_POST_LOGOUT_REDIRECT_URI", "")  # default: our sign-in page
# Fixed security choices (sso/tokens.py): RS256 only, PKCE S256, state and nonce.
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_VERIFY_SSL = envbool("OIDC_VERIFY_SSL", "1")
OIDC_TIMEOUT = envint("OIDC_TIMEOUT", "10")
OIDC_CLOCK_SKEW_SECONDS = envint("OIDC_CLOCK_SKEW_SECONDS", "60")
OIDC_JWKS_CACHE_SECONDS = envint("OIDC_JWKS_CACHE_SECONDS", "3600")
OIDC_JWKS_MIN_REFETCH_SECONDS = envint("OIDC_JWKS_MIN_REFETCH_SECONDS", "10")
OIDC_CREATE_USER = False
# mozilla-django-oidc's extension points, filled by the sso app.
OIDC_AUTHENTICATE_CLASS = "sso.views.PortalAuthenticateView"
OIDC_CALLBACK_CLASS = "sso.views.PortalCallbackView"
OIDC_OP_LOGOUT_URL_METHOD = "sso.views.provider_logout_url"
# How long an unbound portal identity waits for the person to sign in with the local account.
SSO_PENDING_BINDING_SECONDS = envint("SSO_PENDING_BINDING_SECONDS", "600")

# django-axes: rate-limit failed local sign-ins, on the client's address as common.client reads it
# (sso/lockout.py): an account from one address is locked after AXES_FAILURE_LIMIT failures, and an
# address (whatever the accounts) after AXES_ADDRESS_FAILURE_LIMIT. The portal callback is neither
# blocked nor counted. Personnel unlock at /sso/lockouts/.
AXES_HANDLER = "sso.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "common.client.client_ip"
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_ADDRESS_FAILURE_LIMIT = envint("AXES_ADDRESS_FAILURE_LIMIT", "20")
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", "15") / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
# Not reset on success: axes would also wipe every other account's failures from the same
# address, so one valid account behind a school's NAT could reset an attacker's counters.
# Failures expire after the cool-off instead.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = envbool("AXES_ENABLED", "1")
AXES_WHITELIST_CALLABLE = "sso.lockout.is_portal_callback"
# The stand-in portal's OAuth provider (django-oauth-toolkit) is installed only where the stand-in
# runs (the demo and tests); production settings do not carry it.
# Before the project's apps: staff's admin makes every library's admin page superuser-only as it loads.
if STANDIN_PORTAL_ENABLED:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("staff"), "oauth2_provider")
# === end of sso ================================================================

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email ----------------------------------------------------------------
EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.getenv("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "0")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "15")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "校園差勤 <noreply@localhost>")
# Outbox delivery: a failed email is retried after 30 s, 1, 2, 4 ... minutes (capped at an hour),
# and given up (status 寄送失敗, visible in the admin) after this many attempts.
NOTIFICATIONS_RETRY_BASE_SECONDS = envint("NOTIFICATIONS_RETRY_BASE_SECONDS", "30")
NOTIFICATIONS_MAX_ATTEMPTS = envint("NOTIFICATIONS_MAX_ATTEMPTS", "8")
# Emails leave in batches (docs/architecture.md, "Outbox"): one task this many seconds after the commit
# sends every email committed meanwhile, of anyone, over one connection to the mail server ...
NOTIFICATIONS_EMAIL_DELAY_SECONDS = envint("NOTIFICATIONS_EMAIL_DELAY_SECONDS", "3")
# ... the "a batch is queued" mark lives this long if its task is lost (the beat sweep sends them meanwhile) ...
NOTIFICATIONS_EMAIL_COALESCE_SECONDS = envint("NOTIFICATIONS_EMAIL_COALESCE_SECONDS", "60")
# ... and one task sends at most this many (it queues the next while more are due).
NOTIFICATIONS_EMAIL_BATCH = envint("NOTIFICATIONS_EMAIL_BATCH", "200")
# Web Push (docs/pwa.md): off unless both VAPID keys are set (`manage.py webpush_keys` makes a pair). The
# subject is a mailto: or https: address the push services may write to about this sender. Endpoints are
# accepted only on the push services' hosts (suffixes, comma-separated), so nobody makes the workers post
# to an address of their choosing.
WEBPUSH_VAPID_PUBLIC_KEY = os.getenv("WEBPUSH_VAPID_PUBLIC_KEY", "").strip()
WEBPUSH_VAPID_PRIVATE_KEY = envsecret("WEBPUSH_VAPID_PRIVATE_KEY").strip()
WEBPUSH_VAPID_SUBJECT = os.getenv("WEBPUSH_VAPID_SUBJECT", "") or f"mailto:{parseaddr(DEFAULT_FROM_EMAIL)[1]}"
WEBPUSH_ENDPOINT_HOSTS = envlist(
    "WEBPUSH_ENDPOINT_HOSTS",
    "fcm.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com",
)

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = os.getenv("CELERY_BROKER_URL", os.getenv("REDIS_URL", ""))
# Without a broker (the demo), tasks run in-process right after the transaction commits.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", "300")
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", "240")
CELERY_TASK_DEFAULT_QUEUE = os.getenv("CELERY_QUEUE", "campus")
CELERY_BEAT_SCHEDULE: dict = {}  # filled in by config/celery.py from each app's beat entries

# --- Official 停班停課 announcements (CAP alerts, docs/cap.md) ------------------------------------
# A URL to poll for alerts (one CAP alert, or an Atom feed linking to them); empty: no polling.
CAP_FEED_URL = os.getenv("CAP_FEED_URL", "").strip()
# Seconds between polls, and the timeout of every request for an alert.
CAP_FEED_POLL_SECONDS = envint("CAP_FEED_POLL_SECONDS", "120")
CAP_FETCH_TIMEOUT = envint("CAP_FETCH_TIMEOUT", "10")

# --- REST API -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Tokens expire after API_TOKEN_DAYS (common/api.py); personnel issue a new one in the admin.
        "staff.authentication.StaffTokenAuthentication",
    ],
    # Throttling per client address (anonymous) and per account (signed in), counted in the shared
    # cache (CACHE_URL); over the rate the answer is 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["common.api.AnonRateThrottle", "common.api.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.getenv("API_THROTTLE_ANON", "60/minute"),
        "user": os.getenv("API_THROTTLE_USER", "1200/minute"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "校園差勤 Campus Attendance API",
    "DESCRIPTION": "Clock-in, leave and class coverage for schools.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status"; name each choice set once.
    "ENUM_NAME_OVERRIDES": {
        "LeaveStatusEnum": "leave.models.LeaveStatus",
        "ApprovalStepStatusEnum": "leave.models.ApprovalStep.Status",
        "OvertimeStatusEnum": "leave.models.OvertimeRequest.Status",
        "AbsenceStatusEnum": "substitutes.models.Absence.Status",
        "CoverageNeedStatusEnum": "substitutes.models.CoverageNeed.Status",
        "CoverageAssignmentStatusEnum": "substitutes.models.CoverageAssignment.Status",
        "PunchCorrectionStatusEnum": "attendance.models.PunchCorrection.Status",
        "DailyStatusEnum": "attendance.models.DailyStatus",
        "SubstitutePayerEnum": "leave.models.Payer",
        # ... and several have a "kind" (a punch's card, a leave request's, a coverage assignment's).
        "PunchKindEnum": "attendance.models.PunchKind",
        "LeaveRequestKindEnum": "leave.models.LeaveRequest.Kind",
        "AssignmentKindEnum": "substitutes.models.CoverageAssignment.Kind",
    },
    # Times of day carry no offset: published as HH:MM[:SS] strings (config.api.local_times_hook).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.api.local_times_hook"],
}

API_TOKEN_DAYS = envint("API_TOKEN_DAYS", "90")

# --- Content-Security-Policy (django-csp) ------------------------------------
# Scripts and styles from our own static files only: no inline <script>, no on*= handlers, no
# 'unsafe-inline' (tests/config/test_security.py scans every template). Forms may post (and be
# redirected) to the portal: its sign-in and sign-out pages are the only other origins.
def _origin(url: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} and parts.netloc else None


_portal_origins = sorted(
    {o for o in (_origin(OIDC_OP_AUTHORIZATION_ENDPOINT), _origin(OIDC_OP_LOGOUT_ENDPOINT)) if o}
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *_portal_origins],
    }
}

# --- Logging --------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per record, greppable by request id (also in nginx's log and the X-Request-ID header),
    # user, school and client address: `grep 'user=teacher01' …`, `grep 'request=3f2a…' …`.
    "filters": {"request": {"()": "common.request_context.RequestContextFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s request=%(request_id)s user=%(user)s "
            "school=%(school)s ip=%(client_ip)s %(message)s"
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request"]}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # A worker's "Task … succeeded" lines are its record; run in-process (the demo), they would bury the
        # server's own lines under one per task (73 while the demo data loads).
        **({"celery.app.trace": {"level": "WARNING"}} if CELERY_TASK_ALWAYS_EAGER else {}),
    },
}

# --- Product rules kept as settings ---------------------------------------
# Forgotten-punch corrections one person may ask for in a month (docs/domain.md: a school setting).
ATTENDANCE_MAX_CORRECTIONS_PER_MONTH = envint("ATTENDANCE_MAX_CORRECTIONS_PER_MONTH", "3")
# Leave: a month closes automatically on this day of the next month (0: only when personnel close it).
LEAVE_AUTO_CLOSE_DAY = envint("LEAVE_AUTO_CLOSE_DAY", "0")
# Overtime (加班) counted per day and month (docs/domain.md: 4 h on a workday, 8 h on a day off, 20 h a month).
LEAVE_OVERTIME_MAX_HOURS_WORKDAY = envint("LEAVE_OVERTIME_MAX_HOURS_WORKDAY", "4")
LEAVE_OVERTIME_MAX_HOURS_DAY_OFF = envint("LEAVE_OVERTIME_MAX_HOURS_DAY_OFF", "8")
LEAVE_OVERTIME_MAX_HOURS_MONTH = envint("LEAVE_OVERTIME_MAX_HOURS_MONTH", "20")
# 補休 earned from overtime may be taken within this many years.
LEAVE_COMP_TIME_VALID_YEARS = envint("LEAVE_COMP_TIME_VALID_YEARS", "2")

APP_NAME = _("校園差勤")

# --- attendance (clocking) ------------------------------------------------
# How far back (days) a forgotten punch (補登) may be asked for.
ATTENDANCE_CORRECTION_MAX_AGE_DAYS = envint("ATTENDANCE_CORRECTION_MAX_AGE_DAYS", "31")
# A punch's daily result is recomputed by a task this many seconds after the commit; punches committed
# until it runs share that one task (docs/attendance.md).
ATTENDANCE_RESULT_DELAY_SECONDS = envint("ATTENDANCE_RESULT_DELAY_SECONDS", "3")
# How long the "a recompute is queued" mark lives if its task never runs (the sweep catches up).
ATTENDANCE_RESULT_COALESCE_SECONDS = envint("ATTENDANCE_RESULT_COALESCE_SECONDS", "120")
# How many punched days one recompute task takes (it queues the next while the queue is longer).
ATTENDANCE_RESULT_BATCH = envint("ATTENDANCE_RESULT_BATCH", "1000")
# How many schools one recompute task takes (a city job is split into tasks of this many schools).
ATTENDANCE_SCHOOLS_PER_TASK = envint("ATTENDANCE_SCHOOLS_PER_TASK", "10")
# People per transaction of the 18:00 reminder job (their reminders and notices in a few statements).
ATTENDANCE_REMINDER_BATCH = envint("ATTENDANCE_REMINDER_BATCH", "500")
# --- end attendance -------------------------------------------------------
