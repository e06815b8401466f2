"""The stand-in portal as a process: what it publishes, PKCE required, never without DEBUG."""

import os
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.sso.standin_process import CLIENT_ID, ROOT, start_standin


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    portal = start_standin(tmp_path_factory.mktemp("standin"), app_url="http://testserver")
    portal.add_accounts(
        [{"username": "kh-lin", "password": "Portal-pass-9", "fullname": "林老師", "schoolid": "563401"}]
    )
    yield portal
    portal.stop()


def test_discovery_publishes_what_the_app_needs(portal):
    doc = requests.get(f"{portal.url}/o/.well-known/openid-configuration", timeout=5).json()
    assert doc["issuer"] == f"{portal.url}/o"
    assert doc["end_session_endpoint"] == f"{portal.url}/o/logout/"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]
    assert set(doc["scopes_supported"]) >= {"openid", "profile", "email", "kh_profile", "kh_titles"}
    keys = requests.get(doc["jwks_uri"], timeout=5).json()["keys"]
    assert len(keys) == 1 and keys[0]["alg"] == "RS256" and keys[0]["kid"]


def test_pkce_is_required(portal):
    session = requests.Session()
    login = session.get(f"{portal.url}/accounts/login/", timeout=5)
    session.post(
        login.url,
        data={
            "username": "kh-lin",
            "password": "Portal-pass-9",
            "csrfmiddlewaretoken": session.cookies["standin_csrftoken"],
        },
        headers={"Referer": login.url},
        timeout=5,
    )
    response = session.get(
        f"{portal.url}/o/authorize/",
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": "http://testserver/oidc/callback/",
            "scope": "openid",
            "state": "s",
            "nonce": "n",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302
    query = parse_qs(urlparse(response.headers["Location"]).query)
    assert query["error"] == ["invalid_request"]
    assert "challenge" in query["error_description"][0].lower()
    assert "code" not in query


def test_refuses_to_start_without_debug(tmp_path):
    env = {**os.environ, "DEBUG": "0", "STANDIN_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "sso.standin", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "runs only with DEBUG on" in result.stderr
