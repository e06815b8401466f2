"""Form helpers that know nothing of schools."""

from typing import TypeVar

from django import forms

_F = TypeVar("_F", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[_F]) -> _F:
    """The form's own copy of a declared field, as the kind of field it was declared.

    ``form.fields`` holds every field as a plain ``Field``; a form that sets a queryset or choices for the
    request at hand asks for the field by its kind (``form_field(self, "deputy", forms.ModelChoiceField)``).
    A field of another kind is a programming error, raised at once.
    """
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field
