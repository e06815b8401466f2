import django_filters
from django.utils.translation import gettext_lazy as _

from staff.filters import PersonFilter
from substitutes.models import CoverageAssignment, CoverageNeed


class CoverageNeedFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("從（日期）"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("到（日期）"))
    status = django_filters.ChoiceFilter(choices=CoverageNeed.Status.choices)
    teacher = PersonFilter(person_path="teacher", label=_("原任課教師（姓名、員工編號或帳號）"))
    class_name = django_filters.CharFilter(lookup_expr="exact", label=_("班級"))

    class Meta:
        model = CoverageNeed
        fields = ["date_from", "date_to", "status", "teacher", "class_name"]


class CoverageAssignmentFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("從（日期）"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("到（日期）"))
    status = django_filters.ChoiceFilter(choices=CoverageAssignment.Status.choices)
    kind = django_filters.ChoiceFilter(choices=CoverageAssignment.Kind.choices)
    substitute = PersonFilter(person_path="substitute", label=_("代課教師（姓名、員工編號或帳號）"))
    paid_by = django_filters.CharFilter(label=_("鐘點費負擔"))

    class Meta:
        model = CoverageAssignment
        fields = ["date_from", "date_to", "status", "kind", "substitute", "paid_by"]


class DashboardNeedFilter(django_filters.FilterSet):
    """The dashboard's narrowing (substitutes.selectors.NeedSelection): one absence, one day, a range of days, a
    class, the absent teacher as typed (name, employee number or account). Applied in coverage_dashboard."""

    absence = django_filters.NumberFilter(field_name="absence")
    date = django_filters.DateFilter(field_name="date")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    teacher = PersonFilter(person_path="teacher", label=_("原任課教師（姓名、員工編號或帳號）"))
    class_name = django_filters.CharFilter(lookup_expr="exact")

    class Meta:
        model = CoverageNeed
        fields = ["absence", "date", "date_from", "date_to", "teacher", "class_name"]
