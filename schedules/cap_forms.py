from django import forms
from django.utils.translation import gettext_lazy as _

from schedules.cap import MAX_ALERT_BYTES


class CapAlertImportForm(forms.Form):
    file = forms.FileField(
        label=_("警報檔（CAP XML）"), required=False,
        help_text=_("人事行政總處發布的停班停課警報 XML 檔（CAP 1.2）"),
    )
    url = forms.URLField(
        label=_("或警報網址"), required=False, max_length=500, assume_scheme="https",
        help_text=_("一則警報的網址，或連到警報的 Atom 訊息來源"),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_ALERT_BYTES:
            raise forms.ValidationError(
                _("檔案太大（上限 %(kb)d KB），不是一則停班停課警報") % {"kb": MAX_ALERT_BYTES // 1024}
            )
        return upload

    def clean(self):
        data = super().clean()
        if not self.errors and bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError(_("請選擇一個警報檔，或填入一個網址（擇一）"))
        return data
