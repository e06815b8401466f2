from common.errors import DomainError


class NotificationError(DomainError):
    """A push subscription was refused (push is off, a bad endpoint or key, not the person's device).
    ``code`` is stable; tests assert it."""
