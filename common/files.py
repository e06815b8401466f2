"""Reading the text of files people upload from office software (Excel, the ministry's CSVs)."""

import codecs


class UndecodableText(ValueError):
    """The bytes are not text in any encoding we accept.

    ``declared`` names the encoding a byte-order mark promised ("UTF-8", "UTF-16") when the content
    then broke that promise, else None.
    """

    def __init__(self, declared: str | None = None):
        super().__init__(f"not valid {declared}" if declared else "unknown text encoding")
        self.declared = declared


# (byte-order mark, codec, name): a BOM decides the encoding, and the content must then match it.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 (BOM)", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16", "UTF-16"),
)
# Without a BOM: UTF-8 strictly first (Big5 Chinese is practically never valid UTF-8, so this tells
# them apart without guessing), then Big5 as Windows' cp950 writes it, then Big5-HKSCS.
_GUESSES = (("utf-8", "UTF-8"), ("cp950", "Big5"), ("big5hkscs", "Big5-HKSCS"))


def _is_text(text: str) -> bool:
    # A NUL never appears in a spreadsheet's text; decoding that yields one read binary as text.
    return "\x00" not in text


def decode_office_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of an uploaded CSV/TSV: UTF-8 or UTF-16 with a byte-order mark (Excel's
    「CSV UTF-8」 and 「Unicode 文字」), else UTF-8, else Big5 (cp950, what Excel in Taiwan writes for
    「CSV」), else Big5-HKSCS. The BOM is not part of the text.

    Raises UndecodableText when none fits.
    """
    for bom, codec, name, declared in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise UndecodableText(declared) from exc
            if not _is_text(text):
                raise UndecodableText()
            return text, name
    for codec, name in _GUESSES:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _is_text(text):
            return text, name
    raise UndecodableText()
