from django import forms
from django.utils.translation import gettext_lazy as _

from schedules.models import Semester


class TimetableImportForm(forms.Form):
    semester = forms.ModelChoiceField(label=_("學期"), queryset=Semester.objects.none())
    file = forms.FileField(label=_("課表 CSV 檔"), help_text=_("每列一位教師的一節課；UTF-8 或 Big5 皆可"))

    MAX_BYTES = 5 * 1024 * 1024

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["semester"].queryset = Semester.objects.filter(school=school).order_by("-start_date")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("檔案太大（上限 5 MB）"))
        return upload
