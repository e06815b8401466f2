from staff.permissions import can_manage_staff, can_see_staff, visible_staff


def test_teacher_sees_only_self(people):
    teacher = people["teacher"]
    assert list(visible_staff(teacher)) == [teacher]
    assert not can_see_staff(teacher, people["other_teacher"])


def test_unit_head_sees_own_unit_not_others(people):
    head = people["unit_head"]
    assert can_see_staff(head, people["teacher"])
    assert can_see_staff(head, people["academic"])  # 教學組 is a section of 教務處
    assert not can_see_staff(head, people["other_teacher"])
    assert can_manage_staff(head, people["teacher"])
    assert not can_manage_staff(head, head)


def test_personnel_sees_school_but_not_other_school(people):
    personnel = people["personnel"]
    assert can_see_staff(personnel, people["other_teacher"])
    assert not can_see_staff(personnel, people["outsider"])
    assert people["outsider"] not in visible_staff(personnel)
    assert not can_see_staff(people["outsider"], people["teacher"])
