from attendance import demo
from attendance.models import DailyResult, DailyStatus, Punch, PunchCorrection
from staff.models import StaffCategory
from tests.factories import make_staff


def test_demo_gives_the_month_colour_and_can_run_twice(people):
    school = people["school"]
    for n in range(12):  # enough people for every kind of day to turn up
        make_staff(school, unit=people["units"]["student"], category=StaffCategory.SUBJECT_TEACHER, name=f"示範{n}")
    demo.load(school)
    punches = Punch.objects.filter(staff__school=school).count()
    results = DailyResult.objects.filter(school=school).count()
    statuses = set(DailyResult.objects.filter(school=school).values_list("status", flat=True))
    assert punches > 100
    assert {DailyStatus.ON_TIME, DailyStatus.LATE, DailyStatus.HOLIDAY} <= statuses
    assert PunchCorrection.objects.filter(school=school, status="pending").count() == 1

    demo.load(school)
    assert Punch.objects.filter(staff__school=school).count() == punches
    assert DailyResult.objects.filter(school=school).count() == results
    assert PunchCorrection.objects.filter(school=school).count() == 1
