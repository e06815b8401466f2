from common.errors import DomainError


class OfficesError(DomainError):
    pass
