"""The demo school: 高雄市立示範高級中學 (563401), its offices and 44 people covering every
category and every role, with memorable usernames and one local password.

Idempotent: running it again updates the same rows (people go through the roster import,
keyed by employee number). ``manage.py load_demo`` calls ``load()`` and then each app's demo.
"""

import datetime as dt
import io

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission

from staff.models import District, Role, RoleAssignment, School, StaffCategory, Unit, User
from staff.services import roster_import

DEMO_PASSWORD = "demo-1234"
SCHOOL_CODE = "563401"
SCHOOL_NAME = "高雄市立示範高級中學"
EMAIL_DOMAIN = "demo.school.example"
PERSONNEL_GROUP = "人事室（管理後台）"

# (name, kind, parent)
UNITS = [
    ("教務處", Unit.Kind.ACADEMIC_AFFAIRS, None),
    ("教學組", Unit.Kind.ACADEMIC_AFFAIRS, "教務處"),
    ("學務處", Unit.Kind.STUDENT_AFFAIRS, None),
    ("總務處", Unit.Kind.GENERAL_AFFAIRS, None),
    ("輔導室", Unit.Kind.COUNSELING, None),
    ("圖書館", Unit.Kind.LIBRARY, None),
    ("人事室", Unit.Kind.PERSONNEL, None),
    ("會計室", Unit.Kind.ACCOUNTING, None),
    ("校長室", Unit.Kind.PRINCIPAL, None),
]

A = StaffCategory.ADMIN_TEACHER
C = StaffCategory.CIVIL_STAFF
HS = StaffCategory.HOMEROOM_SENIOR
HJ = StaffCategory.HOMEROOM_JUNIOR
T = StaffCategory.SUBJECT_TEACHER
LS = StaffCategory.LONG_TERM_SUBSTITUTE
HR = StaffCategory.HOURLY_SUBSTITUTE


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# (username, name, unit, title, category, hire date, roles, heads)
PEOPLE = [
    ("principal", "黃淑芬", "校長室", "校長", A, _d("2008-08-01"), (Role.PRINCIPAL,), "校長室"),
    ("head-academic", "陳建志", "教務處", "教務主任", A, _d("2006-08-01"), (), "教務處"),
    ("academic-affairs", "吳佳蓉", "教學組", "教學組長", A, _d("2012-08-01"), (Role.ACADEMIC_AFFAIRS,), "教學組"),
    ("registrar", "劉俊宏", "教務處", "註冊組長", A, _d("2014-08-01"), (), None),
    ("head-student", "林志偉", "學務處", "學務主任", A, _d("2009-08-01"), (), "學務處"),
    ("discipline", "楊明哲", "學務處", "生活輔導組長", A, _d("2016-08-01"), (), None),
    ("head-general", "張家銘", "總務處", "總務主任", A, _d("2010-08-01"), (), "總務處"),
    ("head-counseling", "李怡君", "輔導室", "輔導主任", A, _d("2011-08-01"), (), "輔導室"),
    ("counselor", "王詩涵", "輔導室", "專任輔導教師", T, _d("2019-08-01"), (), None),
    ("head-library", "蔡宗翰", "圖書館", "圖書館主任", A, _d("2013-08-01"), (), "圖書館"),
    ("admin", "周冠宇", "圖書館", "資訊組長", A, _d("2015-08-01"), (Role.SYSTEM_ADMIN,), None),
    ("personnel", "鄭雅雯", "人事室", "人事主任", C, _d("2007-03-01"), (Role.PERSONNEL,), "人事室"),
    ("personnel-clerk", "謝宜庭", "人事室", "人事助理員", C, _d("2021-09-01"), (Role.PERSONNEL,), None),
    # The education bureau's read-only city view (offices/), shown on the demo's one school.
    ("bureau", "蕭志明", "人事室", "教育局督學（示範）", C, _d("2019-02-01"), (Role.CITY,), None),
    ("accounting", "許文彬", "會計室", "會計主任", C, _d("2005-02-01"), (), "會計室"),
    ("clerk01", "郭淑惠", "總務處", "出納組長", C, _d("2012-02-01"), (), None),
    ("clerk02", "洪志豪", "總務處", "事務組幹事", C, _d("2018-07-01"), (), None),
    ("clerk03", "曾美華", "教務處", "教務處幹事", C, _d("2020-01-02"), (), None),
    ("clerk04", "邱建良", "學務處", "學務處幹事", C, _d("2025-02-03"), (), None),  # joined mid-year
    ("teacher01", "王小明", "教務處", "國文教師", T, _d("2015-08-01"), (), None),
    ("teacher02", "林美玲", "教務處", "英文教師", T, _d("2003-08-01"), (), None),
    ("teacher03", "張志強", "教務處", "數學教師", T, _d("2017-08-01"), (), None),
    ("teacher04", "陳怡安", "教務處", "物理教師", T, _d("2020-08-01"), (), None),
    ("teacher05", "黃俊傑", "教務處", "化學教師", T, _d("2011-08-01"), (), None),
    ("teacher06", "吳欣怡", "教務處", "歷史教師", T, _d("2018-08-01"), (), None),
    ("teacher07", "蔡承恩", "教務處", "地理教師", T, _d("2022-08-01"), (), None),
    ("teacher08", "鄭雅筑", "教務處", "公民教師", T, _d("2009-08-01"), (), None),
    ("teacher09", "謝宗霖", "教務處", "體育教師", T, _d("2014-08-01"), (), None),
    ("teacher10", "許家瑜", "教務處", "音樂教師", T, _d("2024-08-01"), (), None),
    ("homeroom01", "郭柏翰", "學務處", "高一1班導師", HS, _d("2016-08-01"), (), None),
    ("homeroom02", "曾郁婷", "學務處", "高一2班導師", HS, _d("2013-08-01"), (), None),
    ("homeroom03", "邱冠廷", "學務處", "高二1班導師", HS, _d("2019-08-01"), (), None),
    ("homeroom04", "賴思妤", "學務處", "高二2班導師", HS, _d("2010-08-01"), (), None),
    ("homeroom05", "周品睿", "學務處", "高三1班導師", HS, _d("2008-08-01"), (), None),
    ("junior01", "葉宜蓁", "學務處", "國一1班導師", HJ, _d("2017-08-01"), (), None),
    ("junior02", "蘇家豪", "學務處", "國一2班導師", HJ, _d("2021-08-01"), (), None),
    ("junior03", "莊雅婷", "學務處", "國二1班導師", HJ, _d("2012-08-01"), (), None),
    ("junior04", "呂承翰", "學務處", "國二2班導師", HJ, _d("2015-08-01"), (), None),
    ("junior05", "江佩珊", "學務處", "國三1班導師", HJ, _d("2006-08-01"), (), None),
    ("sub01", "何宇軒", "教務處", "代理教師（數學）", LS, _d("2025-08-01"), (), None),
    ("sub02", "羅詩婷", "教務處", "代理教師（英文）", LS, _d("2025-08-01"), (), None),
    ("sub03", "高子晴", "教務處", "代理教師（生物）", LS, _d("2025-09-01"), (), None),
    ("hourly01", "潘建宇", "教務處", "代課教師（美術）", HR, _d("2025-09-01"), (), None),
    ("hourly02", "簡雅涵", "教務處", "代課教師（資訊）", HR, _d("2025-09-01"), (), None),
]

# Who to show in the sign-in help, by role.
SIGN_IN_EXAMPLES = [
    ("校長 principal", "principal"),
    ("處室主管 unit head", "head-academic"),
    ("教學組 academic affairs", "academic-affairs"),
    ("人事 personnel", "personnel"),
    ("專任教師 teacher", "teacher01"),
    ("高中部導師 homeroom", "homeroom01"),
    ("國中部導師 junior homeroom", "junior01"),
    ("職員 staff", "clerk01"),
    ("代理教師 substitute", "sub01"),
    ("教育局 city view (read-only)", "bureau"),
    ("系統管理 admin (superuser)", "admin"),
]

_PERSONNEL_PERMISSIONS = [
    ("staff", "staffmember", ("view", "add", "change")),
    ("staff", "unit", ("view", "add", "change")),
    ("staff", "roleassignment", ("view", "add", "change", "delete")),
    ("staff", "school", ("view",)),
    ("staff", "user", ("view", "change")),
    ("audit", "auditentry", ("view",)),
]


def employee_no(index: int) -> str:
    return f"D{index:03d}"


def _roster_csv() -> bytes:
    out = io.StringIO()
    out.write("員工編號,姓名,電子郵件,處室,職稱,人員類別,到職日,帳號,在職\n")
    for index, (username, name, unit, title, category, hired, _roles, _heads) in enumerate(PEOPLE, start=1):
        label = StaffCategory(category).label
        out.write(
            f"{employee_no(index)},{name},{username}@{EMAIL_DOMAIN},{unit},{title},{label},{hired.isoformat()},"
            f"{username},是\n"
        )
    return out.getvalue().encode("utf-8")


DEMO_DISTRICT = ("苓雅區", "6400800")  # name, the government's area code


def load() -> School:
    """Create or update the demo school and its people. Returns the school."""
    # The demo school's district, so that district-wide disaster stops (停班停課) and the city's alerts reach it.
    district, _ = District.objects.get_or_create(name=DEMO_DISTRICT[0], defaults={"code": DEMO_DISTRICT[1]})
    school, _ = School.objects.update_or_create(
        code=SCHOOL_CODE,
        defaults={
            "name": SCHOOL_NAME, "has_senior_division": True, "has_junior_division": True, "district": district,
        },
    )
    units: dict[str, Unit] = {}
    for name, kind, parent in UNITS:
        units[name], _ = Unit.objects.update_or_create(
            school=school, name=name, defaults={"kind": kind, "parent": units[parent] if parent else None}
        )

    roster_import(school=school, data=_roster_csv(), actor=None, filename="demo-roster.csv")

    staff_by_username = {
        user.username: user.staff
        for user in User.objects.filter(username__in=[p[0] for p in PEOPLE]).select_related("staff")
    }
    group = _personnel_group()
    # One hash for all: the demo password is public anyway, and hashing 44 times costs ~15 s.
    password = make_password(DEMO_PASSWORD)
    for username, _name, _unit, _title, _category, _hired, roles, heads in PEOPLE:
        member = staff_by_username[username]
        for role in roles:
            RoleAssignment.objects.get_or_create(staff=member, role=role)
        if heads:
            Unit.objects.filter(pk=units[heads].pk).update(head=member)
        user = member.user
        user.password = password
        user.is_superuser = username == "admin"
        user.is_staff = user.is_superuser or Role.PERSONNEL in roles
        user.save(update_fields=["password", "is_superuser", "is_staff"])
        if Role.PERSONNEL in roles:
            user.groups.add(group)
    return school


def _personnel_group() -> Group:
    """The admin rights the personnel office needs for the roster (list views are scoped to their school)."""
    group, _ = Group.objects.get_or_create(name=PERSONNEL_GROUP)
    codenames = [
        (app, f"{action}_{model}") for app, model, actions in _PERSONNEL_PERMISSIONS for action in actions
    ]
    permissions = [
        p
        for p in Permission.objects.filter(content_type__app_label__in={a for a, _ in codenames}).select_related(
            "content_type"
        )
        if (p.content_type.app_label, p.codename) in set(codenames)
    ]
    group.permissions.set(permissions)
    return group
