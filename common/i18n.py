"""Names kept as data in two languages, shown in the reader's (docs/style.md, "Languages").

A row a person names (a leave type, an approval chain ...) keeps its Chinese name in `name` and its
English one in `name_en`; whoever shows it asks `local_name(row)`, which picks by the language active
while rendering (a page's, or a notice's recipient's). An empty English name falls back to the Chinese,
so a row the office added without one still reads.
"""

from collections.abc import Iterable
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import get_language


def english_active() -> bool:
    return (get_language() or "").startswith("en")


# Chinese punctuation between words put together, and what English writes instead.
PUNCTUATION_EN = {"：": ": ", "（": " (", "）": ")", "，": ", ", "、": ", ", "「": "“", "」": "”", "。": ". ",
                  "；": "; ", "～": "–", "／": "/", "・": " · "}


def punctuation(mark: str) -> str:
    """The full-width mark in Chinese, the English one in English (「、」 / ", ")."""
    return PUNCTUATION_EN.get(mark, mark) if english_active() else mark


def enumerate_text(items: Iterable[Any]) -> str:
    """A list in a sentence: 「甲、乙、丙」 / "A, B, C"."""
    return punctuation("、").join(str(item) for item in items)


def separate_text(items: Iterable[Any]) -> str:
    """Whole statements one after another: 「甲；乙」 / "A; B"."""
    return punctuation("；").join(str(item) for item in items)


def pick(zh: str, en: str | None) -> str:
    """The English text when English is active and there is one, else the Chinese."""
    return en if en and english_active() else zh


def local_name(obj: Any, field: str = "name") -> str:
    """`obj.<field>_en` in English (when filled), else `obj.<field>`; "" for None."""
    if obj is None:
        return ""
    return pick(getattr(obj, field) or "", getattr(obj, f"{field}_en", "") or "")


def local_label(option: dict[str, Any] | None, field: str = "label") -> str:
    """The same for a dict (a rule's event option: {"label": ..., "label_en": ...})."""
    if not option:
        return ""
    return pick(str(option.get(field) or ""), str(option.get(f"{field}_en") or ""))


def _later(func: Any, *args: Any, **kwargs: Any) -> str:
    return str(func(*args, **kwargs))


#: `later(f, *args)`: text computed when it is shown, in the language active then (a notice's
#: context is built in the actor's language and rendered in each recipient's).
later = lazy(_later, str)
