"""decode_office_text: every encoding the three imports (roster, office calendar, timetable) accept."""

import codecs

import pytest

from common.files import UndecodableText, decode_office_text

TEXT = "員工編號,姓名,處室\nT001,王小明,教務處\n"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (TEXT.encode("utf-8-sig"), "UTF-8 (BOM)"),
        (TEXT.encode("utf-8"), "UTF-8"),
        (TEXT.encode("utf-16"), "UTF-16"),  # Python writes its native-order BOM
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "UTF-16"),
        (TEXT.encode("cp950"), "Big5"),
        ("陳先生,堃\n".encode("big5hkscs"), "Big5-HKSCS"),  # 堃: in HKSCS, not in cp950
    ],
)
def test_reads_each_encoding_and_drops_the_bom(data, name):
    text, found = decode_office_text(data)
    assert found == name
    assert text == data.decode({"UTF-8 (BOM)": "utf-8-sig", "UTF-16": "utf-16"}.get(name, name.lower()))
    assert not text.startswith("\ufeff")


def test_big5_is_not_mistaken_for_utf8():
    data = TEXT.encode("cp950")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert decode_office_text(data) == (TEXT, "Big5")


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (codecs.BOM_UTF8 + "王".encode("cp950"), "UTF-8"),  # a BOM, then Big5
        (b"\xff\xfe\x00\xd8", "UTF-16"),  # a lone surrogate
        (b"\xff\xff,\x80\x80\n", None),  # neither UTF-8 nor Big5
        (b"\xff\xfe\x00\x00garbage\x81", None),  # "UTF-16" that decodes to a NUL: binary, not text
        ("a,b\n".encode("utf-16-le"), None),  # UTF-16 without a BOM: NULs in every guess
    ],
)
def test_refuses_what_is_not_text(data, declared):
    with pytest.raises(UndecodableText) as caught:
        decode_office_text(data)
    assert caught.value.declared == declared
