from common.errors import DomainError


class LeaveError(DomainError):
    """A leave request, approval or balance rule said no. ``code`` is stable; tests assert it."""
