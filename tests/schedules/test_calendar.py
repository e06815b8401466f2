"""schedules.calendar: who is on duty when, from the school's data."""

import datetime as dt

import pytest

from schedules.calendar import Reason, calendar_days, duty_day, duty_days, is_school_day
from schedules.models import CategorySchedule, PersonalSchedule, SchoolDay, TyphoonDay, WorkSchedule
from schedules.services import work_schedules_seed_defaults
from staff.models import StaffCategory
from tests.factories import make_school, make_staff
from tests.schedules.helpers import add_semesters_114_115

T = dt.time
MONDAY = dt.date(2026, 11, 23)  # an ordinary class day in 115 學年度第 1 學期
WINTER = dt.date(2026, 1, 21)  # Wednesday, the day after 114-1's 休業式
SUMMER = dt.date(2026, 7, 15)  # Wednesday in summer vacation
ALL_DAY = 8.0

EXPECTED_WINDOWS = {
    StaffCategory.ADMIN_TEACHER: (T(7, 30), T(16, 30), ((T(12), T(13)),)),
    StaffCategory.CIVIL_STAFF: (T(7, 30), T(16, 30), ((T(12), T(13)),)),
    StaffCategory.HOMEROOM_SENIOR: (T(8), T(16), ()),
    StaffCategory.HOMEROOM_JUNIOR: (T(7, 30), T(16), ()),  # 07:30 arrival for 早自習 on class days
    StaffCategory.SUBJECT_TEACHER: (T(8), T(16), ()),
    StaffCategory.LONG_TERM_SUBSTITUTE: (T(8), T(16), ()),
}


@pytest.fixture
def school(db):
    school = make_school(has_junior_division=True)
    add_semesters_114_115(school)
    return school


@pytest.mark.parametrize("seeded", [True, False], ids=["seeded", "built-in defaults"])
@pytest.mark.parametrize("category", list(EXPECTED_WINDOWS))
def test_every_category_window_on_a_class_day(school, category, seeded):
    if seeded:
        work_schedules_seed_defaults(school=school)
    person = make_staff(school, category=category)
    day = duty_day(person, MONDAY)
    start, end, breaks = EXPECTED_WINDOWS[category]
    assert day.has_duty
    assert day.reason == Reason.WORKDAY
    assert (day.start, day.end, day.breaks) == (start, end, breaks)
    assert day.school_day
    assert day.working_hours == ALL_DAY  # a day is 8 hours for every category
    assert day.start_at() == dt.datetime.combine(MONDAY, start, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert day.grace_minutes == 0


def test_hourly_substitute_has_no_clock_in_duty(school):
    work_schedules_seed_defaults(school=school)
    sub = make_staff(school, category=StaffCategory.HOURLY_SUBSTITUTE)
    day = duty_day(sub, MONDAY)
    assert not day.has_duty
    assert day.reason == Reason.NO_DUTY
    assert day.start is None and day.working_hours == 0


def test_junior_homeroom_arrives_0730_on_class_days_only(school):
    junior = make_staff(school, category=StaffCategory.HOMEROOM_JUNIOR)
    class_day = duty_day(junior, MONDAY)
    assert (class_day.start, class_day.scheduled_start, class_day.arrival_note) == (T(7, 30), T(8), "早自習")
    assert class_day.working_hours == ALL_DAY  # supervision before 08:00 is not extra hours
    # A return-to-school day in winter vacation is a working day but not a class day: 08:00.
    SchoolDay.objects.create(school=school, date=WINTER, kind=SchoolDay.Kind.RETURN_DAY, label="返校日")
    back = duty_day(junior, WINTER)
    assert back.has_duty and not back.school_day
    assert back.start == T(8) and back.arrival_note == ""


def test_national_holiday(school):
    staff = make_staff(school, category=StaffCategory.CIVIL_STAFF)
    day = duty_day(staff, dt.date(2025, 10, 10))
    assert not day.has_duty
    assert day.reason == Reason.HOLIDAY
    assert day.label == "國慶日"
    assert not is_school_day(school, dt.date(2025, 10, 10))


def test_make_up_saturday_from_the_holidays_package(school):
    """2025-02-08 (Saturday) was worked to make up for 2025-01-27 off."""
    staff = make_staff(school, category=StaffCategory.CIVIL_STAFF)
    saturday = duty_day(staff, dt.date(2025, 2, 8))
    assert saturday.has_duty
    assert saturday.reason == Reason.MAKEUP_WORKDAY
    assert (saturday.start, saturday.end) == (T(7, 30), T(16, 30))
    monday = duty_day(staff, dt.date(2025, 1, 27))
    assert not monday.has_duty and monday.reason == Reason.HOLIDAY
    ordinary_saturday = duty_day(staff, dt.date(2025, 2, 15))
    assert not ordinary_saturday.has_duty and ordinary_saturday.reason == Reason.WEEKEND


def test_vacation_teachers_off_administration_on(school):
    teacher = make_staff(school, category=StaffCategory.SUBJECT_TEACHER)
    junior = make_staff(school, category=StaffCategory.HOMEROOM_JUNIOR)
    clerk = make_staff(school, category=StaffCategory.CIVIL_STAFF)
    admin_teacher = make_staff(school, category=StaffCategory.ADMIN_TEACHER)
    days = duty_days([teacher, junior, clerk, admin_teacher], WINTER, WINTER)
    for person in (teacher, junior):
        d = days[(person.pk, WINTER)]
        assert not d.has_duty
        assert (d.reason, d.label) == (Reason.VACATION, "寒假")
    for person in (clerk, admin_teacher):
        d = days[(person.pk, WINTER)]
        assert d.has_duty and d.reason == Reason.WORKDAY
        assert d.label == "寒假" and not d.school_day
        assert (d.start, d.end) == (T(7, 30), T(16, 30))
    summer = duty_days([teacher, clerk], SUMMER, SUMMER)
    assert summer[(teacher.pk, SUMMER)].reason == Reason.VACATION
    assert summer[(teacher.pk, SUMMER)].label == "暑假"
    assert summer[(clerk.pk, SUMMER)].has_duty


def test_return_to_school_and_training_days_in_vacation(school):
    teacher = make_staff(school, category=StaffCategory.HOMEROOM_SENIOR)
    SchoolDay.objects.create(school=school, date=WINTER, kind=SchoolDay.Kind.RETURN_DAY, label="寒假返校日")
    training = dt.date(2026, 8, 27)  # before 115-1 starts: summer vacation
    SchoolDay.objects.create(school=school, date=training, kind=SchoolDay.Kind.TRAINING, label="期初教師研習")
    days = duty_days([teacher], WINTER, training)
    back = days[(teacher.pk, WINTER)]
    assert back.has_duty and back.reason == Reason.WORKDAY
    assert back.label == "寒假・寒假返校日"
    assert (back.start, back.end) == (T(8), T(16))
    assert days[(teacher.pk, training)].has_duty
    assert days[(teacher.pk, dt.date(2026, 8, 26))].reason == Reason.VACATION


def test_unknown_semesters_assume_no_vacation(db):
    """Without the semesters that bound a vacation, nothing is assumed to be vacation."""
    school = make_school()
    teacher = make_staff(school, category=StaffCategory.SUBJECT_TEACHER)
    assert duty_day(teacher, WINTER).has_duty
    assert is_school_day(school, WINTER)


def test_typhoon_day_for_one_school(school):
    other = make_school()
    here = make_staff(school, category=StaffCategory.CIVIL_STAFF)
    there = make_staff(other, category=StaffCategory.CIVIL_STAFF)
    TyphoonDay.objects.create(date=MONDAY, school=school, label="颱風停班停課")
    days = duty_days([here, there], MONDAY, MONDAY)
    assert not days[(here.pk, MONDAY)].has_duty
    assert days[(here.pk, MONDAY)].reason == Reason.TYPHOON
    assert days[(here.pk, MONDAY)].label == "颱風停班停課"
    assert days[(there.pk, MONDAY)].has_duty
    assert not is_school_day(school, MONDAY)
    assert is_school_day(other, MONDAY)


def test_typhoon_day_for_all_schools_wins_over_a_make_up_day(school):
    other = make_school()
    people = [make_staff(s, category=c) for s in (school, other) for c in EXPECTED_WINDOWS]
    saturday = dt.date(2026, 11, 28)
    SchoolDay.objects.create(school=school, date=saturday, kind=SchoolDay.Kind.MAKEUP_DAY, label="補上課")
    TyphoonDay.objects.create(date=MONDAY, school=None, label="颱風停班停課")
    TyphoonDay.objects.create(date=saturday, school=None, label="颱風停班停課")
    days = duty_days(people, MONDAY - dt.timedelta(days=2), saturday)
    for person in people:
        for d in (MONDAY, saturday):
            assert days[(person.pk, d)].reason == Reason.TYPHOON
            assert not days[(person.pk, d)].has_duty
        assert days[(person.pk, MONDAY + dt.timedelta(days=1))].has_duty


def test_school_day_off_and_moved_class_day(school):
    teacher = make_staff(school, category=StaffCategory.HOMEROOM_JUNIOR)
    clerk = make_staff(school, category=StaffCategory.CIVIL_STAFF)
    friday, saturday = dt.date(2026, 11, 27), dt.date(2026, 11, 28)
    SchoolDay.objects.create(school=school, date=friday, kind=SchoolDay.Kind.DAY_OFF, label="校慶補假")
    SchoolDay.objects.create(school=school, date=saturday, kind=SchoolDay.Kind.MAKEUP_DAY, label="校慶（補上課）")
    days = duty_days([teacher, clerk], friday, saturday)
    for person in (teacher, clerk):
        off = days[(person.pk, friday)]
        assert (off.has_duty, off.reason, off.label) == (False, Reason.SCHOOL_DAY_OFF, "校慶補假")
        on = days[(person.pk, saturday)]
        assert on.has_duty and on.reason == Reason.MAKEUP_WORKDAY and on.label == "校慶（補上課）"
    assert days[(teacher.pk, saturday)].start == T(7, 30)  # a class day: 早自習
    assert is_school_day(school, saturday) and not is_school_day(school, friday)


def test_exam_day_is_a_labelled_class_day(school):
    SchoolDay.objects.create(school=school, date=MONDAY, kind=SchoolDay.Kind.EXAM, label="第二次期中考")
    [day] = calendar_days(school, MONDAY, MONDAY)
    assert day.working and day.school_day and day.label == "第二次期中考"


def test_personal_schedule_applies_only_within_its_dates(school):
    nursing = WorkSchedule.objects.create(
        school=school, name="部分工時 09:00–12:00", start=T(9), end=T(12), weekdays="135", grace_minutes=5
    )
    clerk = make_staff(school, category=StaffCategory.CIVIL_STAFF)
    PersonalSchedule.objects.create(
        staff=clerk, schedule=nursing, start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 9, 30), reason="部分工時"
    )
    days = duty_days([clerk], dt.date(2026, 8, 31), dt.date(2026, 10, 1))
    before = days[(clerk.pk, dt.date(2026, 8, 31))]
    assert (before.start, before.end) == (T(7, 30), T(16, 30))
    tuesday = days[(clerk.pk, dt.date(2026, 9, 1))]
    assert not tuesday.has_duty and tuesday.reason == Reason.NO_DUTY  # not one of her days
    wednesday = days[(clerk.pk, dt.date(2026, 9, 2))]
    assert wednesday.has_duty
    assert (wednesday.start, wednesday.end, wednesday.grace_minutes) == (T(9), T(12), 5)
    assert wednesday.working_hours == 3
    assert wednesday.schedule_name == "部分工時 09:00–12:00"
    after = days[(clerk.pk, dt.date(2026, 10, 1))]
    assert (after.start, after.end) == (T(7, 30), T(16, 30))


def test_a_category_rule_change_does_not_rewrite_earlier_days(school):
    work_schedules_seed_defaults(school=school)
    later = WorkSchedule.objects.create(
        school=school, name="行政人員 08:00–17:00", start=T(8), end=T(17), break_start=T(12), break_end=T(13)
    )
    CategorySchedule.objects.create(
        school=school, category=StaffCategory.CIVIL_STAFF, schedule=later, effective_from=dt.date(2026, 8, 1)
    )
    clerk = make_staff(school, category=StaffCategory.CIVIL_STAFF)
    assert duty_day(clerk, dt.date(2026, 7, 31)).start == T(7, 30)
    assert duty_day(clerk, dt.date(2026, 8, 3)).start == T(8)


def test_no_duty_before_hire_date(school):
    newcomer = make_staff(school, category=StaffCategory.CIVIL_STAFF, hire_date=dt.date(2026, 11, 24))
    assert duty_day(newcomer, MONDAY).reason == Reason.NO_DUTY
    assert duty_day(newcomer, MONDAY + dt.timedelta(days=1)).has_duty


def test_duty_days_queries_do_not_grow_with_people_or_days(school, django_assert_max_num_queries):
    other = make_school()
    categories = list(StaffCategory.values)
    people = [
        make_staff(school if n % 2 else other, category=categories[n % len(categories)]) for n in range(40)
    ]
    nursing = WorkSchedule.objects.create(school=school, name="部分工時", start=T(9), end=T(12))
    for person in people[1:8:2]:
        PersonalSchedule.objects.create(staff=person, schedule=nursing, start_date=dt.date(2026, 11, 10), reason="x")
    work_schedules_seed_defaults(school=school)
    SchoolDay.objects.create(school=school, date=dt.date(2026, 11, 27), kind=SchoolDay.Kind.DAY_OFF, label="校慶補假")
    TyphoonDay.objects.create(date=dt.date(2026, 11, 12), school=None)
    start, end = dt.date(2026, 11, 1), dt.date(2026, 12, 1)  # 31 days

    # Expect 5 queries: imported office days; school days ∪ typhoon days; semesters;
    # personal schedules; category schedules.
    with django_assert_max_num_queries(5):
        everyone = duty_days(people, start, end)
    assert len(everyone) == 40 * 31
    with django_assert_max_num_queries(5):
        few = duty_days(people[:4], start, end)
    assert few == {k: v for k, v in everyone.items() if k[0] in {p.pk for p in people[:4]}}
    # Given a queryset, one more query reads the people.
    from staff.models import StaffMember

    with django_assert_max_num_queries(6):
        duty_days(StaffMember.objects.filter(pk__in=[p.pk for p in people]), start, end)
    assert everyone[(people[1].pk, dt.date(2026, 11, 12))].reason == Reason.TYPHOON
    assert everyone[(people[1].pk, dt.date(2026, 11, 27))].reason == Reason.SCHOOL_DAY_OFF
    assert everyone[(people[0].pk, dt.date(2026, 11, 27))].reason == Reason.WORKDAY  # the other school
