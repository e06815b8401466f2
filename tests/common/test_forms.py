"""common.forms: a declared field asked for by its kind."""

import pytest
from django import forms

from common.forms import form_field


class _Form(forms.Form):
    person = forms.ChoiceField(choices=[("1", "一")])
    note = forms.CharField()


def test_a_field_of_the_declared_kind_is_the_forms_own_copy():
    form = _Form()
    field = form_field(form, "person", forms.ChoiceField)
    field.choices = [("2", "二")]
    assert form.fields["person"].choices == [("2", "二")]
    assert _Form.base_fields["person"].choices == [("1", "一")]


def test_a_field_of_another_kind_is_refused():
    with pytest.raises(TypeError, match=r"_Form\.note is a CharField, not a ChoiceField"):
        form_field(_Form(), "note", forms.ChoiceField)
