"""Presets for the OpenID Connect providers we know, selected by ``OIDC_PROVIDER``.

A preset is only a set of defaults: config/settings.py reads every value from the
environment first (``OIDC_OP_ISSUER``, ``OIDC_OP_TOKEN_ENDPOINT``, ...), so a school can
point the app at a new provider without a code change. This module must not import Django
settings: config/settings.py imports it.

- ``kh``: 高雄市教育局 雲端單一簽入服務 (oidc.kh.edu.tw). Claims ``kh_profile`` and ``kh_titles``.
- ``moe``: 教育部 教育體系單一簽入服務 (oidc.tanet.edu.tw). Claim ``eduinfo`` from its own
  resource endpoint; ID tokens may come without ``kid``; no end-session endpoint.
- ``standin``: the stand-in portal of sso/standin/ for the demo and the tests, Kaohsiung-shaped.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderPreset:
    key: str
    label: str  # the sign-in button: 使用「label」登入
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_endpoint: str
    end_session_endpoint: str  # "" when the provider has none
    scopes: str
    adapter: str  # a key of sso.adapters.ADAPTERS or a dotted path
    token_auth_method: str = "client_secret_post"  # or client_secret_basic
    extra_claims_endpoint: str = ""  # MOE: eduinfo lives behind its own resource endpoint
    client_id: str = ""  # defaults only for the stand-in; real providers issue them
    client_secret: str = ""


KH_BASE = "https://oidc.kh.edu.tw"
MOE_BASE = "https://oidc.tanet.edu.tw"
STANDIN_CLIENT_ID = "campus-attendance"
STANDIN_CLIENT_SECRET = "standin-demo-secret"  # demo only; the stand-in refuses to run with DEBUG off


def kh() -> ProviderPreset:
    return ProviderPreset(
        key="kh",
        label="高雄市教育局入口網",
        issuer=f"{KH_BASE}/",
        authorization_endpoint=f"{KH_BASE}/oauth2/auth",
        token_endpoint=f"{KH_BASE}/oauth2/token",
        userinfo_endpoint=f"{KH_BASE}/userinfo",
        jwks_endpoint=f"{KH_BASE}/.well-known/jwks.json",
        end_session_endpoint=f"{KH_BASE}/oauth2/sessions/logout",
        scopes="openid profile email kh_profile kh_titles",
        adapter="kh",
    )


def moe() -> ProviderPreset:
    return ProviderPreset(
        key="moe",
        label="教育雲端帳號",
        issuer=MOE_BASE,
        authorization_endpoint=f"{MOE_BASE}/oidc/v1/azp",
        token_endpoint=f"{MOE_BASE}/oidc/v1/token",
        userinfo_endpoint=f"{MOE_BASE}/oidc/v1/userinfo",
        jwks_endpoint=f"{MOE_BASE}/oidc/v1/jwksets",
        end_session_endpoint="",
        scopes="openid email profile eduinfo",
        adapter="moe",
        extra_claims_endpoint=f"{MOE_BASE}/moeresource/api/v1/oidc/eduinfo",
    )


def standin(base_url: str) -> ProviderPreset:
    base = base_url.rstrip("/")
    return ProviderPreset(
        key="standin",
        label="高雄市教育局入口網（示範）",
        issuer=f"{base}/o",
        authorization_endpoint=f"{base}/o/authorize/",
        token_endpoint=f"{base}/o/token/",
        userinfo_endpoint=f"{base}/o/userinfo/",
        jwks_endpoint=f"{base}/o/.well-known/jwks.json",
        end_session_endpoint=f"{base}/o/logout/",
        scopes="openid profile email kh_profile kh_titles",
        adapter="kh",
        client_id=STANDIN_CLIENT_ID,
        client_secret=STANDIN_CLIENT_SECRET,
    )


def provider_preset(key: str, *, standin_url: str) -> ProviderPreset:
    """The preset named by OIDC_PROVIDER; an unknown name is a configuration error at startup."""
    if key == "kh":
        return kh()
    if key == "moe":
        return moe()
    if key == "standin":
        return standin(standin_url)
    raise ValueError(f"OIDC_PROVIDER must be one of kh, moe, standin (got {key!r})")
