"""The roster import: all rows or none, every bad row reported, re-import updates by employee number."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEntry
from staff.models import StaffCategory, StaffMember, User
from staff.services import RosterImportError, roster_import
from tests.concurrency import at_once, require_postgres

pytestmark = pytest.mark.django_db

HEADER = "員工編號,姓名,電子郵件,處室,職稱,人員類別,到職日\n"
GOOD = (
    HEADER
    + "T1001,許雅婷,hsu@example.test,教務處,專任教師,專任教師,2015-08-01\n"
    + "T1002,郭志明,,學務處,導師,高中部導師,2018/8/1\n"
    + "T1003,蔡佩君,tsai@example.test,教學組,教學組長,行政教師,民國104/08/01\n"
    + "S2001,鄭文華,cheng@example.test,人事室,人事助理員,職員,112/2/1\n"
    + ",,,,,,\n"  # Excel's trailing empty line: skipped, not an error
)


def write(tmp_path, text: str, encoding: str = "utf-8-sig", name: str = "roster.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run_import(path: str, school: str = "563401", *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_staff", path, "--school", school, *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_creates_everyone_with_an_account(people, tmp_path):
    before = StaffMember.objects.count()
    out, _ = run_import(write(tmp_path, GOOD))

    assert "新增 4 人" in out
    assert StaffMember.objects.count() == before + 4
    hsu = StaffMember.objects.select_related("unit", "user").get(school=people["school"], employee_no="T1001")
    assert (hsu.name, hsu.email, hsu.unit.name) == ("許雅婷", "hsu@example.test", "教務處")
    assert hsu.category == StaffCategory.SUBJECT_TEACHER
    assert hsu.hire_date == dt.date(2015, 8, 1)
    # The default username is <school code>-<employee no>, with no password until one is set.
    assert hsu.user.username == "563401-t1001"
    assert not hsu.user.has_usable_password()
    assert hsu.user.email == "hsu@example.test"
    tsai = StaffMember.objects.get(employee_no="T1003")
    assert tsai.unit == people["units"]["teaching"]  # a section is found by its own name
    assert tsai.hire_date == dt.date(2015, 8, 1)  # ROC 104
    assert StaffMember.objects.get(employee_no="S2001").hire_date == dt.date(2023, 2, 1)
    assert StaffMember.objects.get(employee_no="T1002").email == ""

    summary = AuditEntry.objects.get(action="staff.roster_imported")
    assert summary.school == people["school"]
    assert summary.data["created"] == ["T1001", "T1002", "T1003", "S2001"]
    assert AuditEntry.objects.filter(action="staff.created").count() == 4


def test_a_file_with_three_bad_rows_is_rejected_whole_and_reports_all_three(people, tmp_path):
    text = (
        HEADER
        + "T1001,許雅婷,hsu@example.test,教務處,專任教師,專任教師,2015-08-01\n"  # row 2: fine
        + "T1002,郭志明,,教務虛,導師,高中部導師,2018/8/1\n"  # row 3: typo in the unit
        + "T1003,蔡佩君,,教學組,教學組長,行政教師,2015-13-01\n"  # row 4: no 13th month
        + "T1004,鄭文華,,人事室,人事助理員,工友,2020-08-01\n"  # row 5: not a category
        + "T1005,林家豪,lin@example.test,學務處,導師,國中部導師,2021-08-01\n"  # row 6: fine
    )
    staff_before, users_before = StaffMember.objects.count(), User.objects.count()

    with pytest.raises(CommandError, match="3 處錯誤"):
        run_import(write(tmp_path, text))

    # Nothing was written, not even the good rows.
    assert StaffMember.objects.count() == staff_before
    assert User.objects.count() == users_before
    assert not StaffMember.objects.filter(employee_no__in=["T1001", "T1005"]).exists()
    assert not AuditEntry.objects.exists()

    with pytest.raises(RosterImportError) as caught:
        roster_import(school=people["school"], data=text.encode(), actor=None)
    assert caught.value.code == "invalid_rows"
    assert [(e.row, e.code) for e in caught.value.errors] == [
        (3, "unknown_unit"),
        (4, "bad_date"),
        (5, "bad_category"),
    ]
    assert "教務虛" in caught.value.errors[0].message
    assert str(caught.value.errors[0]).startswith("第 3 列")


def test_the_command_prints_every_bad_row(people, tmp_path):
    text = (
        HEADER
        + "T1,甲,,教務虛,,專任教師,2015-08-01\n"
        + "T2,乙,,,,專任教師,昨天\n"
        + "T3,丙,not-an-email,,,專任教師,2015-08-01\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_staff", write(tmp_path, text), "--school", "563401", stderr=err)
    lines = err.getvalue().splitlines()
    assert [line.split("：")[0] for line in lines] == ["第 2 列", "第 3 列", "第 4 列"]


def test_reimport_updates_by_employee_number_without_duplicates(people, tmp_path):
    run_import(write(tmp_path, GOOD))
    hsu = StaffMember.objects.get(employee_no="T1001")
    user_pk, staff_pk = hsu.user_id, hsu.pk

    changed = (
        HEADER
        + "T1001,許雅婷,hsu.new@example.test,學務處,導師,高中部導師,2015-08-01\n"  # moved, now a homeroom teacher
        + "T1002,郭志明,,學務處,導師,高中部導師,2018/8/1\n"  # same as before
        + "T1099,新同仁,new@example.test,總務處,,職員,2024-08-01\n"  # unit not in this school
    )
    with pytest.raises(CommandError):
        run_import(write(tmp_path, changed, name="second.csv"))
    assert StaffMember.objects.get(pk=staff_pk).unit.name == "教務處"  # the failed file changed nothing

    changed = changed.replace("總務處", "學務處")
    out, _ = run_import(write(tmp_path, changed, name="third.csv"))
    assert "新增 1 人、更新 1 人、未變動 1 人" in out

    assert StaffMember.objects.filter(employee_no="T1001").count() == 1
    hsu = StaffMember.objects.select_related("unit", "user").get(employee_no="T1001")
    assert (hsu.pk, hsu.user_id) == (staff_pk, user_pk)
    assert (hsu.unit.name, hsu.category, hsu.email) == ("學務處", "homeroom_senior", "hsu.new@example.test")
    assert hsu.user.email == "hsu.new@example.test"
    assert hsu.user.username == "563401-t1001"  # kept
    # People missing from the file are left alone.
    assert StaffMember.objects.filter(employee_no__in=["T1003", "S2001"], is_active=True).count() == 2

    update = AuditEntry.objects.get(action="staff.updated")
    assert update.target_id == str(staff_pk)
    assert update.data["unit"] == ["教務處", "學務處"]
    assert update.data["category"] == ["subject_teacher", "homeroom_senior"]
    assert "name" not in update.data


def test_a_big5_file_from_excel(people, tmp_path):
    text = GOOD.replace("\n", "\r\n")
    path = write(tmp_path, text, encoding="cp950")
    with open(path, "rb") as fh:
        raw = fh.read()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really Big5, not UTF-8

    out, _ = run_import(path)
    assert "新增 4 人" in out
    assert StaffMember.objects.get(employee_no="T1003").name == "蔡佩君"
    assert StaffMember.objects.get(employee_no="T1003").unit.name == "教學組"


def test_utf8_without_bom_english_headers_username_and_active_columns(people, tmp_path):
    text = (
        "Employee No,Name,Email,Unit,Title,Category,Hire date,Username,Active\n"
        "T3001,Amy Lin,amy@example.test,教務處,English teacher,subject_teacher,2019-08-01,amy.lin,是\n"
        "T3002,Ben Wu,,,,代課教師,20240901,,否\n"
    )
    run_import(write(tmp_path, text, encoding="utf-8"))
    amy = StaffMember.objects.select_related("user").get(employee_no="T3001")
    assert amy.user.username == "amy.lin"
    assert amy.category == StaffCategory.SUBJECT_TEACHER
    ben = StaffMember.objects.select_related("user").get(employee_no="T3002")
    assert ben.category == StaffCategory.HOURLY_SUBSTITUTE and ben.unit is None
    assert not ben.is_active and not ben.user.is_active
    assert ben.hire_date == dt.date(2024, 9, 1)


def test_duplicates_inside_the_file_and_taken_usernames_are_row_errors(people):
    text = (
        "員工編號,姓名,人員類別,到職日,帳號\n"
        "T1,甲,專任教師,2015-08-01,teacher\n"  # 'teacher' belongs to someone else already
        "T2,乙,專任教師,2015-08-01,same\n"
        "T3,丙,專任教師,2015-08-01,same\n"
        "T2,丁,專任教師,2015-08-01,\n"
        "T4,,專任教師,2015-08-01,bad name!\n"
    )
    with pytest.raises(RosterImportError) as caught:
        roster_import(school=people["school"], data=text.encode(), actor=None)
    assert [(e.row, e.code) for e in caught.value.errors] == [
        (2, "username_taken"),
        (4, "duplicate_username"),
        (5, "duplicate_employee_no"),
        (6, "missing_value"),
        (6, "bad_username"),
    ]


def test_missing_columns_and_unreadable_files_are_rejected(people):
    with pytest.raises(RosterImportError) as caught:
        roster_import(school=people["school"], data="姓名,處室\n甲,教務處\n".encode(), actor=None)
    assert caught.value.code == "bad_header"
    assert "員工編號" in caught.value.errors[0].message and "到職日" in caught.value.errors[0].message

    with pytest.raises(RosterImportError) as caught:
        roster_import(school=people["school"], data=b"", actor=None)
    assert caught.value.code == "empty"

    with pytest.raises(RosterImportError) as caught:
        roster_import(school=people["school"], data=b"\xff\xfe\x00\xd8", actor=None)  # broken UTF-16
    assert caught.value.code == "encoding"
    with pytest.raises(RosterImportError) as caught:
        roster_import(school=people["school"], data=b"\xff\xff,\x80\x80\n", actor=None)  # neither UTF-8 nor Big5
    assert caught.value.code == "encoding"


def test_dry_run_checks_and_writes_nothing(people, tmp_path):
    before = StaffMember.objects.count()
    out, _ = run_import(write(tmp_path, GOOD), "563401", "--dry-run")
    assert "僅檢查" in out and "新增 4 人" in out
    assert StaffMember.objects.count() == before
    assert not AuditEntry.objects.exists()


def test_an_xlsx_workbook(people):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["員工編號", "姓名", "處室", "人員類別", "到職日"])
    sheet.append([4001, "周美玲", "學務處", "國中部導師", dt.datetime(2016, 8, 1)])
    data = io.BytesIO()
    book.save(data)
    result = roster_import(school=people["school"], data=data.getvalue(), actor=people["personnel"].user)
    assert result.created == ["4001"]
    assert StaffMember.objects.get(employee_no="4001").hire_date == dt.date(2016, 8, 1)


def test_import_scoped_to_the_school(people, tmp_path):
    # The same employee number at another school is another person.
    outsider_school = people["outsider"].school
    text = f"員工編號,姓名,人員類別,到職日\n{people['teacher'].employee_no},同號不同人,職員,2015-08-01\n"
    run_import(write(tmp_path, text), outsider_school.code)
    assert StaffMember.objects.filter(employee_no=people["teacher"].employee_no).count() == 2
    assert StaffMember.objects.get(pk=people["teacher"].pk).name == "王老師"


def test_unknown_school_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="999999"):
        run_import(write(tmp_path, GOOD), "999999")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_school_at_once_do_not_duplicate_or_fail(people):
    require_postgres()
    outcomes = at_once(lambda: roster_import(school=people["school"], data=GOOD.encode(), actor=None))
    # An IntegrityError here would mean the school lock did not hold.
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    # One import created the four people; the other waited for it, then found them unchanged.
    assert sorted((len(r.created), len(r.unchanged)) for r in outcomes) == [(0, 4), (4, 0)]
    assert StaffMember.objects.filter(employee_no__in=["T1001", "T1002", "T1003", "S2001"]).count() == 4
