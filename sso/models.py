"""Portal identities and how they are bound to local accounts.

An identity is keyed by (issuer, sub), never by email or name: the Kaohsiung portal's sub
may be pairwise and its email may be empty. A row is written the first time a person of a
school that uses the system signs in through the portal; it stays unbound (user empty) until
the person proves who they are here once (local sign-in, or a personnel pre-registration).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BindMethod(models.TextChoices):
    LOCAL_PASSWORD = "local_password", _("本系統帳號密碼")
    PREREGISTERED = "preregistered", _("人事室預先登錄")
    PERSONNEL = "personnel", _("人事室綁定")
    DEMO = "demo", _("示範資料")


class PortalIdentity(models.Model):
    issuer = models.CharField(_("發行者"), max_length=200)
    sub = models.CharField(_("識別值"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="portal_identities",
        verbose_name=_("本系統帳號"),
    )
    school = models.ForeignKey(
        "staff.School", on_delete=models.PROTECT, related_name="portal_identities", verbose_name=_("學校")
    )
    # What the portal said at the last sign-in (shown to personnel; refreshed every time).
    name = models.CharField(_("入口網姓名"), max_length=100, blank=True)
    email = models.EmailField(_("入口網電子郵件"), blank=True)
    titles = models.JSONField(_("入口網職稱"), default=list, blank=True)
    claims = models.JSONField(_("最近一次的聲明"), default=dict, blank=True)
    first_seen_at = models.DateTimeField(_("首次登入"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("最近登入"), null=True, blank=True)
    bound_at = models.DateTimeField(_("綁定時間"), null=True, blank=True)
    bound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("綁定者"),
    )
    bound_method = models.CharField(_("綁定方式"), max_length=20, choices=BindMethod.choices, blank=True)

    class Meta:
        verbose_name = _("入口網身分")
        verbose_name_plural = _("入口網身分")
        ordering = ["school", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "sub"], name="portal_identity_unique"),
            # One identity per provider per account: a second one would be a mistake or an attack.
            models.UniqueConstraint(
                fields=["user", "issuer"], condition=Q(user__isnull=False), name="portal_identity_one_per_user"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=True, bound_at__isnull=True) | Q(user__isnull=False, bound_at__isnull=False),
                name="portal_identity_bound_at_iff_user",
            ),
        ]
        indexes = [models.Index(fields=["school", "user"])]

    def __str__(self) -> str:
        return f"{self.name or self.sub[:12]}（{self.school.code}）"

    @property
    def is_bound(self) -> bool:
        return self.user_id is not None

    @property
    def short_sub(self) -> str:
        return self.sub if len(self.sub) <= 16 else f"{self.sub[:8]}…{self.sub[-4:]}"


class PortalPreRegistration(models.Model):
    """Personnel's word that this staff member will bind a portal account of this email (or name).

    Where the school allows it, a first portal sign-in that matches confirms the binding with
    the employee number instead of the local password.
    """

    staff = models.OneToOneField(
        "staff.StaffMember",
        on_delete=models.CASCADE,
        related_name="portal_preregistration",
        verbose_name=_("教職員"),
    )
    portal_email = models.EmailField(_("入口網電子郵件"), blank=True, help_text=_("空白時以姓名比對"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("登錄者")
    )
    created_at = models.DateTimeField(_("登錄時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("入口網預先登錄")
        verbose_name_plural = _("入口網預先登錄")

    def __str__(self) -> str:
        return f"{self.staff} {self.portal_email}"


class SchoolPortalPolicy(models.Model):
    school = models.OneToOneField(
        "staff.School", on_delete=models.CASCADE, related_name="portal_policy", verbose_name=_("學校")
    )
    allow_preregistered_match = models.BooleanField(
        _("允許以人事室預先登錄的資料完成綁定"),
        default=False,
        help_text=_("開啟後，預先登錄者第一次以入口網登入時，輸入員工編號即可完成綁定。"),
    )

    class Meta:
        verbose_name = _("學校入口網設定")
        verbose_name_plural = _("學校入口網設定")

    def __str__(self) -> str:
        return str(self.school)
