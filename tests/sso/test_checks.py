"""The startup check that keeps the stand-in portal out of production."""

from sso.checks import standin_portal_not_in_production


def test_standin_with_debug_off_is_refused(settings):
    settings.DEBUG = False
    settings.STANDIN_PORTAL_ENABLED = True
    assert [e.id for e in standin_portal_not_in_production(None)] == ["sso.E001"]


def test_standin_provider_without_the_standin_is_refused(settings):
    settings.DEBUG = False
    settings.STANDIN_PORTAL_ENABLED = False
    settings.OIDC_PROVIDER = "standin"
    assert [e.id for e in standin_portal_not_in_production(None)] == ["sso.E002"]


def test_production_with_the_city_portal_passes(settings):
    settings.DEBUG = False
    settings.STANDIN_PORTAL_ENABLED = False
    settings.OIDC_PROVIDER = "kh"
    assert standin_portal_not_in_production(None) == []


def test_the_check_runs_at_startup():
    from django.core.checks.registry import registry

    assert standin_portal_not_in_production in registry.get_checks()
