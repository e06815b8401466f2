"""GET /api/me/: who is signed in (name, school, unit, category, roles)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from staff.selectors import person_of_user


class SchoolOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class UnitOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CategoryOut(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the answer's key; DRF moves declared fields off the class


class MeOut(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    school = SchoolOut(allow_null=True)
    unit = UnitOut(allow_null=True)
    category = CategoryOut(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())
    portal_bound = serializers.BooleanField()


def _me(user) -> dict:
    staff = person_of_user(user.pk)
    bound = user.portal_identities.exists()
    if staff is None:
        # An account without a staff record (a system administrator): no school, no roles.
        return {
            "username": user.get_username(),
            "name": user.get_full_name() or user.get_username(),
            "title": "",
            "email": user.email,
            "school": None,
            "unit": None,
            "category": None,
            "roles": [],
            "portal_bound": bound,
        }
    return {
        "username": user.get_username(),
        "name": staff.name,
        "title": staff.title,
        "email": staff.email,
        "school": {"code": staff.school.code, "name": staff.school.name},
        "unit": {"id": staff.unit.pk, "name": staff.unit.name} if staff.unit else None,
        "category": {"code": staff.category, "label": staff.get_category_display()},
        "roles": sorted(r.role for r in staff.roles.all()),
        "portal_bound": bound,
    }


@extend_schema(responses=MeOut, summary="The signed-in person", tags=["sso"])
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request: Request) -> Response:
    return Response(MeOut(_me(request.user)).data)
