"""The bounded key fields (common.inputs.install) still take what Django itself hands them."""

import pytest
from django import forms

from staff.models import School
from tests.factories import make_school

pytestmark = pytest.mark.django_db


def test_a_disabled_key_field_keeps_its_initial_object_and_ignores_a_forged_value():
    own, other = make_school(), make_school()

    class Form(forms.Form):
        school = forms.ModelChoiceField(queryset=School.objects.filter(pk=own.pk), initial=own, disabled=True)

    form = Form({"school": other.pk})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["school"] == own


@pytest.mark.parametrize("value", ["９", "1" * 30, "-1", "abc"])
def test_a_key_field_refuses_what_is_not_a_key_with_a_form_error(value):
    class Form(forms.Form):
        school = forms.ModelChoiceField(queryset=School.objects.all())

    form = Form({"school": value})
    assert not form.is_valid() and "school" in form.errors
