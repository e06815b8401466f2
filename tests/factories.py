"""Small factories: plain functions with sensible defaults, so a test says only what matters to it."""

import datetime as dt
import itertools

from staff.models import Role, RoleAssignment, School, StaffCategory, StaffMember, Unit, User

PASSWORD = "Test-Passw0rd-校園"
_seq = itertools.count(1)


def make_school(*, code: str | None = None, name: str | None = None, **fields) -> School:
    n = next(_seq)
    return School.objects.create(code=code or f"9{n:05d}", name=name or f"測試高中{n}", **fields)


def make_unit(school: School, name: str, *, kind: str = Unit.Kind.OTHER, parent: Unit | None = None) -> Unit:
    return Unit.objects.create(school=school, name=name, kind=kind, parent=parent)


def make_staff(
    school: School,
    *,
    unit: Unit | None = None,
    category: str = StaffCategory.SUBJECT_TEACHER,
    name: str | None = None,
    username: str | None = None,
    roles: tuple[str, ...] = (),
    heads: Unit | None = None,
    hire_date: dt.date = dt.date(2015, 8, 1),
    email: str | None = None,
    **fields,
) -> StaffMember:
    n = next(_seq)
    username = username or f"user{n}"
    email = f"{username}@example.test" if email is None else email
    user = User.objects.create_user(username=username, password=PASSWORD, email=email)
    staff = StaffMember.objects.create(
        user=user,
        school=school,
        unit=unit,
        employee_no=f"E{n:05d}",
        name=name or f"測試員{n}",
        email=email,
        category=category,
        hire_date=hire_date,
        **fields,
    )
    for role in roles:
        RoleAssignment.objects.create(staff=staff, role=role)
    if heads is not None:
        heads.head = staff
        heads.save(update_fields=["head"])
    return staff


def make_standing_school() -> dict[str, object]:
    """A school with one person per role, so every permission test can check the denial too.

    teacher        專任教師 in 教務處, whose head is unit_head
    unit_head      教務主任 (行政教師), head of 教務處
    other_teacher  高中部導師 in 學務處 (another unit, head: other_head)
    personnel      人事主任 (職員) with the personnel role
    principal      校長 with the principal role
    academic       教學組長 (行政教師) in 教務處 › 教學組, with the academic affairs role
    outsider       personnel at another school
    """
    school = make_school(code="563401", name="高雄市立示範高級中學", has_junior_division=True)
    academic_office = make_unit(school, "教務處", kind=Unit.Kind.ACADEMIC_AFFAIRS)
    teaching_section = make_unit(school, "教學組", kind=Unit.Kind.ACADEMIC_AFFAIRS, parent=academic_office)
    student_office = make_unit(school, "學務處", kind=Unit.Kind.STUDENT_AFFAIRS)
    personnel_office = make_unit(school, "人事室", kind=Unit.Kind.PERSONNEL)
    principal_office = make_unit(school, "校長室", kind=Unit.Kind.PRINCIPAL)
    people = {
        "school": school,
        "units": {
            "academic": academic_office,
            "teaching": teaching_section,
            "student": student_office,
            "personnel": personnel_office,
            "principal": principal_office,
        },
    }
    people["unit_head"] = make_staff(
        school, unit=academic_office, category=StaffCategory.ADMIN_TEACHER, name="陳主任",
        username="head", title="教務主任", heads=academic_office,
    )
    people["teacher"] = make_staff(
        school, unit=academic_office, category=StaffCategory.SUBJECT_TEACHER, name="王老師",
        username="teacher", title="專任教師",
    )
    people["other_head"] = make_staff(
        school, unit=student_office, category=StaffCategory.ADMIN_TEACHER, name="林主任",
        username="otherhead", title="學務主任", heads=student_office,
    )
    people["other_teacher"] = make_staff(
        school, unit=student_office, category=StaffCategory.HOMEROOM_SENIOR, name="李導師",
        username="otherteacher", title="導師",
    )
    people["personnel"] = make_staff(
        school, unit=personnel_office, category=StaffCategory.CIVIL_STAFF, name="張人事",
        username="personnel", title="人事主任", roles=(Role.PERSONNEL,), heads=personnel_office,
    )
    people["principal"] = make_staff(
        school, unit=principal_office, category=StaffCategory.ADMIN_TEACHER, name="黃校長",
        username="principal", title="校長", roles=(Role.PRINCIPAL,), heads=principal_office,
    )
    people["academic"] = make_staff(
        school, unit=teaching_section, category=StaffCategory.ADMIN_TEACHER, name="吳組長",
        username="academic", title="教學組長", roles=(Role.ACADEMIC_AFFAIRS,), heads=teaching_section,
    )
    other_school = make_school(code="573401", name="高雄市立他校高級中學")
    people["outsider"] = make_staff(
        other_school, category=StaffCategory.CIVIL_STAFF, name="外校人事", username="outsider",
        roles=(Role.PERSONNEL,),
    )
    return people
