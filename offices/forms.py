from django import forms
from django.utils.translation import gettext_lazy as _

from offices.services import MAX_ITEMS


class DecideForm(forms.Form):
    """What the inbox posts: the chosen items (their keys), approve or reject, and one comment."""

    item = forms.MultipleChoiceField(required=False)  # keys; offices.services checks each
    decision = forms.ChoiceField(choices=[("approve", _("同意")), ("reject", _("駁回"))])
    comment = forms.CharField(label=_("意見"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any key may be posted; the service refuses the unknown ones item by item.
        self.fields["item"].valid_value = lambda value: isinstance(value, str) and len(value) <= 40
        self.fields["item"].max_items = MAX_ITEMS
