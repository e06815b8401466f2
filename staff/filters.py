"""The filter for choosing a person by typing, shared by every django-filter filter set that narrows a list
to one person (the pages' filter forms and the API's query parameters alike)."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from staff.selectors import person_search_q


class PersonFilter(django_filters.CharFilter):
    """A person by name (part of it), employee number, account or internal id, through ``person_path``
    (the foreign key to the person: ``staff``, ``applicant``, ``teacher`` …). An id alone, as links and
    older API clients send it, still works; typing a name no longer silently finds nothing."""

    def __init__(self, *, person_path: str, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("人員（姓名、員工編號或帳號）"))
        kwargs.setdefault("max_length", 100)
        super().__init__(field_name=person_path, **kwargs)
        self.person_path = person_path

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value in django_filters.constants.EMPTY_VALUES or not str(value).strip():
            return qs
        return qs.filter(person_search_q(str(value), f"{self.person_path}__"))
