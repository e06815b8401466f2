"""The two ways a sign-in can go wrong.

- ``SignInFailed``: something about the exchange with the provider is wrong (a token that does
  not verify, a state we did not issue, an unreachable endpoint). The person only sees
  "登入失敗，請再試一次"; the ``reason`` is for the log, never shown.
- ``SsoError``: the domain error of this app. The exchange was fine but we refuse or cannot do
  what was asked (the school does not use the system, a student account, a binding that
  breaks a rule). Its message is shown to the person, its code is asserted by tests.
"""

from common.errors import DomainError


class SignInFailed(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class SsoError(DomainError):
    pass
