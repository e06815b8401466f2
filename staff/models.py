"""Schools, units (處室), people and their roles.

A deployment can hold a whole city: every person belongs to exactly one school, and every
query that lists people is scoped by school (see staff/permissions.py).
"""

import functools
import hashlib
import ipaddress

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.prepared import PreparedInstances, PreparedLookup


class User(AbstractUser):
    """The login account. Everything about the person at school lives in StaffMember."""

    language = models.CharField(
        _("介面語言"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("帳號")
        verbose_name_plural = _("帳號")

    @property
    def staff_or_none(self) -> "StaffMember | None":
        """The person behind this account, or None; read once per User object, with their school
        and unit in the same query (every page shows both). Later ``user.staff`` reads the cache."""
        related = User.staff.related
        if not related.is_cached(self):
            staff = None
            if self.pk is not None:
                # Every signed-in request reads it: the query is compiled once (common/prepared.py).
                staff = _person_of_account().get(self.pk)
            related.set_cached_value(self, staff)  # None too: Django's own cache of "no staff record"
            if staff is not None:
                related.field.set_cached_value(staff, self)
            return staff
        cached = related.get_cached_value(self)  # a StaffMember or None, set here or by select_related("staff")
        return cached if isinstance(cached, StaffMember) else None


class District(models.Model):
    """A district of the city (行政區). Disaster stops (停班停課) are declared for districts, so each
    school names its district; ``code`` is the government's area code that alerts carry."""

    name = models.CharField(_("行政區"), max_length=20, unique=True, help_text=_("如「苓雅區」"))
    code = models.CharField(_("行政區代碼"), max_length=20, blank=True, help_text=_("政府的行政區代碼，如 6400400"))

    class Meta:
        verbose_name = _("行政區")
        verbose_name_plural = _("行政區")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    code = models.CharField(_("學校代碼"), max_length=10, unique=True, help_text=_("教育部學校代碼，如 563401"))
    name = models.CharField(_("校名"), max_length=100)
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="schools",
        verbose_name=_("行政區"), help_text=_("停班停課常以行政區宣布"),
    )
    has_senior_division = models.BooleanField(_("設有高中部"), default=True)
    has_junior_division = models.BooleanField(_("設有國中部"), default=False)
    enforce_punch_networks = models.BooleanField(_("限制打卡網段"), default=False)
    punch_networks = models.TextField(
        _("允許打卡的網段"), blank=True, help_text=_("每行一個 CIDR，例如 203.64.10.0/24")
    )
    attendance_start = models.DateField(
        _("啟用日"), null=True, blank=True,
        help_text=_("開始使用本系統的日期：之前的日子不算出勤結果、不寄缺卡提醒，也不能補登；空白表示一直都在使用"),
    )

    class Meta:
        verbose_name = _("學校")
        verbose_name_plural = _("學校")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def clean(self) -> None:
        try:
            self.allowed_networks()
        except ValueError as exc:
            raise ValidationError({"punch_networks": _("網段格式錯誤：%(error)s") % {"error": exc}}) from exc

    def allowed_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [
            ipaddress.ip_network(line.strip(), strict=False)
            for line in self.punch_networks.splitlines()
            if line.strip()
        ]


class Unit(models.Model):
    """A 處室 (office) or a section inside one (教務處 › 教學組)."""

    class Kind(models.TextChoices):
        ACADEMIC_AFFAIRS = "academic", _("教務處")
        STUDENT_AFFAIRS = "student", _("學務處")
        GENERAL_AFFAIRS = "general", _("總務處")
        COUNSELING = "counseling", _("輔導室")
        LIBRARY = "library", _("圖書館")
        PERSONNEL = "personnel", _("人事室")
        ACCOUNTING = "accounting", _("會計室")
        PRINCIPAL = "principal", _("校長室")
        TEACHING = "teaching", _("教學研究會／科任")
        OTHER = "other", _("其他")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="units", verbose_name=_("學校"))
    name = models.CharField(_("名稱"), max_length=50)
    kind = models.CharField(_("類別"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="sections", verbose_name=_("上級單位")
    )
    head = models.ForeignKey(
        "StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_units",
        verbose_name=_("單位主管"),
    )

    class Meta:
        verbose_name = _("處室")
        verbose_name_plural = _("處室")
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="unit_name_unique_per_school")]

    def __str__(self) -> str:
        return self.name


class StaffCategory(models.TextChoices):
    """Decides the clock-in window and which leave rules apply (docs/domain.md, "Who is who")."""

    ADMIN_TEACHER = "admin_teacher", _("行政教師")
    CIVIL_STAFF = "civil_staff", _("職員")
    HOMEROOM_SENIOR = "homeroom_senior", _("高中部導師")
    HOMEROOM_JUNIOR = "homeroom_junior", _("國中部導師")
    SUBJECT_TEACHER = "subject_teacher", _("專任教師")
    LONG_TERM_SUBSTITUTE = "long_substitute", _("代理教師")
    HOURLY_SUBSTITUTE = "hourly_substitute", _("代課教師")


# Categories whose leave follows the teachers' rules (school year, no 休假 unless administrative).
TEACHER_CATEGORIES = frozenset(
    {
        StaffCategory.ADMIN_TEACHER,
        StaffCategory.HOMEROOM_SENIOR,
        StaffCategory.HOMEROOM_JUNIOR,
        StaffCategory.SUBJECT_TEACHER,
        StaffCategory.LONG_TERM_SUBSTITUTE,
        StaffCategory.HOURLY_SUBSTITUTE,
    }
)
# Categories with attendance duty during winter and summer vacation.
VACATION_DUTY_CATEGORIES = frozenset({StaffCategory.ADMIN_TEACHER, StaffCategory.CIVIL_STAFF})


class StaffMember(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff", verbose_name=_("帳號")
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="staff", verbose_name=_("學校"))
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="members", verbose_name=_("處室")
    )
    employee_no = models.CharField(_("員工編號"), max_length=20)
    name = models.CharField(_("姓名"), max_length=50)
    email = models.EmailField(_("電子郵件"), blank=True)
    title = models.CharField(_("職稱"), max_length=50, blank=True)
    category = models.CharField(_("人員類別"), max_length=20, choices=StaffCategory.choices)
    hire_date = models.DateField(_("到職日"))
    is_active = models.BooleanField(_("在職"), default=True)

    # Per-object caches, set on first read: the role set (roles_set) and the units this person heads
    # (staff.permissions.headed_unit_ids).
    _roles_cache: frozenset[str]
    _headed_unit_ids: list[int]

    class Meta:
        verbose_name = _("教職員")
        verbose_name_plural = _("教職員")
        ordering = ["school", "employee_no"]
        constraints = [
            models.UniqueConstraint(fields=["school", "employee_no"], name="staff_employee_no_unique_per_school")
        ]
        indexes = [
            models.Index(fields=["school", "unit", "is_active"]),
            models.Index(fields=["school", "category"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_teacher(self) -> bool:
        return self.category in TEACHER_CATEGORIES

    @property
    def has_vacation_duty(self) -> bool:
        return self.category in VACATION_DUTY_CATEGORIES

    def clean(self) -> None:
        if self.unit is not None and self.unit.school_id != self.school_id:
            raise ValidationError({"unit": _("處室不屬於此人的學校")})

    # Role checks read the prefetched/cached role set; see roles_set.
    @property
    def roles_set(self) -> frozenset[str]:
        if not hasattr(self, "_roles_cache"):
            self._roles_cache = frozenset(role for (role,) in _roles_read.tuples(self.pk))
        return self._roles_cache

    def has_role(self, role: str) -> bool:
        return role in self.roles_set


class Role(models.TextChoices):
    """School-wide roles. Unit heads are Unit.head, not a role row."""

    PERSONNEL = "personnel", _("人事")
    PRINCIPAL = "principal", _("校長")
    ACADEMIC_AFFAIRS = "academic_affairs", _("教學組")
    SYSTEM_ADMIN = "system_admin", _("系統管理")
    # The city's education bureau (教育局): reads every school's figures and reports, changes nothing
    # (offices/permissions.py). Not school-wide in its own school: it sees people only through the city view.
    CITY = "city", _("教育局（唯讀）")


# A person's roles, asked on most requests (may they approve, reassign, see the school?): compiled once per process.
def _roles_of(person_id: int) -> "models.QuerySet[RoleAssignment, tuple[str]]":
    return RoleAssignment.objects.filter(staff_id=person_id).order_by().values_list("role")


_roles_read = PreparedInstances(_roles_of)


class RoleAssignment(models.Model):
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="roles", verbose_name=_("人員"))
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("角色指派")
        verbose_name_plural = _("角色指派")
        constraints = [models.UniqueConstraint(fields=["staff", "role"], name="role_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_role_display()}"



class CalendarFeed(models.Model):
    """A person's secret calendar address (iCal): only the SHA-256 of its token is kept.

    The address is shown once, when it is made; making a new one replaces it and revoking deletes it, so
    an old address answers 404 (config/feeds.py, docs/pwa.md)."""

    staff = models.OneToOneField(StaffMember, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("行事曆訂閱")
        verbose_name_plural = _("行事曆訂閱")

    def __str__(self) -> str:
        return str(self.staff)

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def _person_of_account() -> PreparedLookup[StaffMember]:
    """The person behind an account, with school and unit (``User.staff_or_none``)."""
    return PreparedLookup(StaffMember, "user", select_related=("school", "unit"))
