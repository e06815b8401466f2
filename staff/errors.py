from common.errors import DomainError


class StaffError(DomainError):
    """Errors of the staff app (people, schools, roster import; a text that names several people)."""
