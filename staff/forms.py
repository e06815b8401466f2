from django import forms
from django.utils.translation import gettext_lazy as _

from staff.models import School

MAX_ROSTER_BYTES = 5 * 1024 * 1024


class RosterImportForm(forms.Form):
    school = forms.ModelChoiceField(label=_("學校"), queryset=School.objects.all())
    file = forms.FileField(
        label=_("名冊檔"),
        help_text=_("CSV（UTF-8 或 Big5，Excel 另存即可）或 .xlsx。第一列為欄位名稱。"),
    )
    dry_run = forms.BooleanField(label=_("只檢查，不寫入"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not user.is_superuser:
            # The personnel office imports into its own school only.
            own = user.staff.school
            self.fields["school"].queryset = School.objects.filter(pk=own.pk)
            self.fields["school"].initial = own
            self.fields["school"].disabled = True

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ROSTER_BYTES:
            raise forms.ValidationError(_("檔案太大（上限 5 MB）。"))
        return upload
