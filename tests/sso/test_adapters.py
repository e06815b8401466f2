"""Claim adapters: provider claims in, PortalProfile out."""

import pytest

from sso.adapters import KaohsiungAdapter, MinistryAdapter
from sso.errors import SignInFailed


def test_kaohsiung_profile_from_kh_claims():
    profile = KaohsiungAdapter().profile(
        {
            "iss": "https://oidc.kh.edu.tw/",
            "sub": "b0b541dc24bb2448",
            "kh_profile": {
                "fullname": "金老師",
                "email": "",
                "schoolid": "563401",
                "schools": {"563401": "高雄高商", "553301": "另一校"},
            },
            "kh_titles": {"563401": ["教師", "導師"], "553301": "兼任教師"},
        }
    )
    assert profile.name == "金老師" and profile.email == ""
    assert profile.school_code == "563401" and profile.other_school_codes == ("553301",)
    assert profile.titles == ("教師", "導師") and profile.title == "教師、導師"
    assert not profile.is_student


def test_kaohsiung_titles_without_school_keys_and_json_text():
    profile = KaohsiungAdapter().profile(
        {
            "iss": "i",
            "sub": "s",
            "name": "陳同學",
            "kh_profile": '{"fullname": "", "schoolid": "563401"}',
            "kh_titles": {"0": "學生"},
        }
    )
    assert profile.name == "陳同學" and profile.titles == ("學生",) and profile.is_student


def test_ministry_profile_from_eduinfo():
    profile = MinistryAdapter().profile(
        {
            "iss": "https://oidc.tanet.edu.tw",
            "sub": "moe-sub",
            "name": "林老師",
            "email": "lin@mail.edu.tw",
            "eduinfo": {
                "sub": "moe-sub",
                "schoolid": "563401",
                "titles": [{"schoolid": "563401", "titles": ["教師", "組長"]}, {"schoolid": "999999", "titles": ["x"]}],
                "classinfo": [],
            },
        }
    )
    assert (profile.school_code, profile.titles, profile.is_student) == ("563401", ("教師", "組長"), False)
    assert profile.other_school_codes == ("999999",)


def test_ministry_student_by_classinfo():
    profile = MinistryAdapter().profile(
        {"iss": "i", "sub": "s", "eduinfo": {"schoolid": "563401", "titles": [], "classinfo": [{"grade": "1"}]}}
    )
    assert profile.is_student


def test_ministry_eduinfo_of_someone_else_is_refused():
    with pytest.raises(SignInFailed) as exc:
        MinistryAdapter().profile({"iss": "i", "sub": "s", "eduinfo": {"sub": "other", "schoolid": "563401"}})
    assert exc.value.reason == "eduinfo_sub_mismatch"


def test_ministry_fetches_eduinfo_from_its_resource_endpoint(settings):
    settings.OIDC_OP_EXTRA_CLAIMS_ENDPOINT = "https://moe.example/eduinfo"
    calls = []

    def fetch(url, token):
        calls.append((url, token))
        return {"schoolid": "563401"}

    assert MinistryAdapter().extra_claims(access_token="at", fetch=fetch) == {"eduinfo": {"schoolid": "563401"}}
    assert calls == [("https://moe.example/eduinfo", "at")]
