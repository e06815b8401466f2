"""The base of every app's domain error (LeaveError, PunchError, ...).

A domain error carries a translatable message for people and a stable code for
programs and tests: ``raise LeaveError(_("餘額不足"), code="insufficient_balance")``.
Views show ``message``; the API returns both (config/api.py).

It lives in ``common`` (the bottom layer) so that every app can raise its own subclass without
importing ``config``, the project's top layer (settings, URLs, the API's exception handler).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # gettext_lazy's result, in the stubs only


class DomainError(Exception):
    def __init__(self, message: "str | _StrPromise", code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)
