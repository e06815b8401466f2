"""Races on PostgreSQL: two binds for one person, two first sign-ins of one identity."""

import threading

import pytest
from django.db import connection, connections

from sso.adapters import PortalProfile
from sso.errors import SsoError
from sso.models import PortalIdentity
from sso.services import identity_bind, portal_sign_in
from tests.sso.oidc_provider import ISSUER, SCHOOL_CODE

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def run_together(*calls):
    """Start the calls at the same moment in threads of their own; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_identities_bound_to_one_person_at_once(people):
    teacher = people["teacher"]
    first, second = (PortalIdentity.objects.create(issuer=ISSUER, sub=s, school=people["school"]) for s in "ab")

    results = run_together(
        lambda: identity_bind(identity_id=first.pk, user=teacher.user, actor=teacher.user, method="local_password"),
        lambda: identity_bind(identity_id=second.pk, user=teacher.user, actor=teacher.user, method="local_password"),
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], SsoError) and errors[0].code == "user_already_bound"
    assert PortalIdentity.objects.filter(user=teacher.user).count() == 1


def test_one_identity_signing_in_twice_at_once_is_stored_once(people):
    profile = PortalProfile(issuer=ISSUER, sub="twice", name="新老師", email="", school_code=SCHOOL_CODE)

    results = run_together(*(lambda: portal_sign_in(profile=profile, claims={"sub": "twice"}) for _ in range(2)))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert PortalIdentity.objects.filter(issuer=ISSUER, sub="twice").count() == 1
