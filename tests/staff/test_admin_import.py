"""The roster import page in the admin: personnel and superusers only, every bad row shown, nothing half-done."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from staff.models import StaffMember, User

pytestmark = pytest.mark.django_db

URL = "/admin/staff/staffmember/import/"
HEADER = "員工編號,姓名,處室,人員類別,到職日\n"
GOOD = HEADER + "T9001,何欣怡,教務處,專任教師,2020-08-01\nT9002,方建宏,學務處,國中部導師,2021/8/1\n"
BAD = HEADER + "T9001,何欣怡,教務虛,專任教師,2020-08-01\nT9002,方建宏,學務處,導師,2021/8/1\n"


def upload(text: str, encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile("roster.csv", text.encode(encoding), content_type="text/csv")


@pytest.fixture
def admin_personnel(people):
    user = people["personnel"].user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return people["personnel"]


def test_url_is_named():
    assert reverse("admin:staff_staffmember_import") == URL


def test_personnel_imports_into_their_own_school(admin_personnel, people, client_for):
    client = client_for(admin_personnel)
    page = client.get(URL)
    assert page.status_code == 200
    assert "匯入教職員名冊" in page.content.decode()

    other_school = people["outsider"].school
    # The school field is fixed to their own: a forged value is ignored.
    response = client.post(URL, {"school": other_school.pk, "file": upload(GOOD)})
    assert response.status_code == 302
    # Without the right to browse the list they come back to this page, with the summary.
    assert response["Location"] == URL
    assert set(
        StaffMember.objects.filter(employee_no__in=["T9001", "T9002"]).values_list("school_id", flat=True)
    ) == {people["school"].pk}
    assert "新增 2 人" in client.get(response["Location"]).content.decode()

    from django.contrib.auth.models import Permission

    admin_personnel.user.user_permissions.add(Permission.objects.get(codename="view_staffmember"))
    response = client.post(URL, {"file": upload(GOOD)})
    assert response["Location"] == reverse("admin:staff_staffmember_changelist")
    assert "未變動 2 人" in client.get(response["Location"]).content.decode()


def test_a_bad_file_shows_every_bad_row_and_writes_nothing(admin_personnel, client_for):
    before = StaffMember.objects.count()
    response = client_for(admin_personnel).post(URL, {"file": upload(BAD, "cp950")})
    assert response.status_code == 200
    html = response.content.decode()
    assert "第 2 列" in html and "教務虛" in html
    assert "第 3 列" in html and "人員類別「導師」不正確" in html
    assert StaffMember.objects.count() == before


def test_dry_run_writes_nothing(admin_personnel, client_for):
    before = StaffMember.objects.count()
    response = client_for(admin_personnel).post(URL, {"file": upload(GOOD), "dry_run": "on"}, follow=True)
    assert "檢查通過" in response.content.decode()
    assert StaffMember.objects.count() == before


def test_superuser_chooses_the_school(people, client):
    root = User.objects.create_superuser("root", "root@example.test", "x")
    client.force_login(root)
    other_school = people["outsider"].school
    # That school has no 教務處 yet: the unit is not invented.
    response = client.post(URL, {"school": other_school.pk, "file": upload(GOOD)})
    assert response.status_code == 200 and "教務處" in response.content.decode()
    without_units = GOOD.replace("教務處", "").replace("學務處", "")
    response = client.post(URL, {"school": other_school.pk, "file": upload(without_units)})
    assert response.status_code == 302
    assert StaffMember.objects.get(employee_no="T9001", school=other_school).name == "何欣怡"


def test_changelist_shows_the_button_only_to_those_who_may_import(admin_personnel, people, client_for, client):
    from django.contrib.auth.models import Permission

    assert "匯入名冊" not in client_for(admin_personnel).get("/admin/staff/staffmember/").content.decode()  # 403
    admin_personnel.user.user_permissions.add(Permission.objects.get(codename="view_staffmember"))
    assert "匯入名冊" in client_for(admin_personnel).get("/admin/staff/staffmember/").content.decode()

    head = people["unit_head"]
    head.user.is_staff = True
    head.user.save(update_fields=["is_staff"])
    head.user.user_permissions.add(Permission.objects.get(codename="view_staffmember"))
    client.force_login(head.user)
    page = client.get("/admin/staff/staffmember/")
    assert page.status_code == 200 and "匯入名冊" not in page.content.decode()


def test_others_may_not_import(people, client_for, client):
    # A unit head who can enter the admin is still not the personnel office.
    head = people["unit_head"]
    head.user.is_staff = True
    head.user.save(update_fields=["is_staff"])
    assert client_for(head).get(URL).status_code == 403
    assert client_for(head).post(URL, {"file": upload(GOOD)}).status_code == 403
    assert not StaffMember.objects.filter(employee_no="T9001").exists()

    # Personnel who are not admin users never reach the page; anonymous people are sent to sign in.
    client.logout()
    assert client_for(people["personnel"]).get(URL).status_code == 302
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_personnel_see_only_their_school_in_the_admin(admin_personnel, people, client_for):
    from django.contrib.auth.models import Permission

    admin_personnel.user.user_permissions.add(Permission.objects.get(codename="view_staffmember"))
    html = client_for(admin_personnel).get("/admin/staff/staffmember/").content.decode()
    assert "王老師" in html
    assert "外校人事" not in html


def test_personnel_manage_their_schools_accounts_but_not_who_is_an_administrator(people, client_for):
    from django.contrib.auth.models import Group

    from staff.demo import _personnel_group

    personnel = people["personnel"]
    personnel.user.is_staff = True
    personnel.user.save(update_fields=["is_staff"])
    personnel.user.groups.add(_personnel_group())
    assert Group.objects.get(name="人事室（管理後台）").permissions.filter(codename="change_user").exists()
    root = User.objects.create_superuser("root", "root@example.test", "x")
    client = client_for(personnel)

    listing = client.get("/admin/staff/user/").content.decode()
    assert "teacher" in listing and "outsider" not in listing and "root" not in listing
    assert client.get(f"/admin/staff/user/{root.pk}/change/").status_code == 302  # not found → admin index
    assert client.get(f"/admin/staff/user/{people['outsider'].user_id}/change/").status_code == 302

    teacher = people["teacher"].user
    form = client.get(f"/admin/staff/user/{teacher.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in form and 'name="user_permissions"' not in form
    response = client.post(
        f"/admin/staff/user/{teacher.pk}/change/",
        {"username": "teacher", "first_name": "王", "last_name": "", "email": "teacher@example.test",
         "language": "zh-hant", "is_superuser": "on", "is_staff": "on"},
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.first_name == "王"
    assert not teacher.is_superuser and not teacher.is_staff

    # Setting a password for someone imported without one.
    response = client.post(
        f"/admin/staff/user/{teacher.pk}/password/",
        {"password1": "Long-enough-pass-42", "password2": "Long-enough-pass-42", "usable_password": "true"},
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.check_password("Long-enough-pass-42")
