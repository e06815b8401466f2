from django.conf import settings
from django.db import models


class PortalAccount(models.Model):
    """What the portal knows about a person: the claims of kh_profile and kh_titles."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_account")
    fullname = models.CharField("姓名", max_length=100)
    email = models.EmailField("電子郵件", blank=True)
    school_code = models.CharField("學校代碼", max_length=10)
    schools = models.JSONField("所屬學校", default=dict, help_text="{學校代碼: 校名}")
    titles = models.JSONField("職稱", default=dict, help_text="{學校代碼: [職稱, ...]}")
    note = models.CharField("說明", max_length=100, blank=True)

    class Meta:
        verbose_name = "入口網帳號"
        verbose_name_plural = "入口網帳號"

    def __str__(self) -> str:
        return f"{self.user.username} {self.fullname}"

    @property
    def school_name(self) -> str:
        return self.schools.get(self.school_code, "")

    @property
    def title_text(self) -> str:
        titles = self.titles.get(self.school_code) or [t for ts in self.titles.values() for t in ts]
        return "、".join(titles)
