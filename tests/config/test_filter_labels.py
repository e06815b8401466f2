"""Every filter's label reads in English when English is active (the API's browsable forms and the pages'
filter forms): a label is a translation, and the English catalogue has it. Sweeps every FilterSet of the
project's apps."""

import importlib
import re

import django_filters
import pytest
from django.apps import apps
from django.utils import translation

CJK = re.compile(r"[\u3400-\u9fff]")
PROJECT_APPS = ["staff", "audit", "notifications", "sso", "schedules", "attendance", "leave", "substitutes", "offices"]
MODULES = ["filters", "api", "timetable_api", "views"]


def filtersets() -> list[type[django_filters.FilterSet]]:
    for app in PROJECT_APPS:
        for module in MODULES:
            try:
                importlib.import_module(f"{apps.get_app_config(app).name}.{module}")
            except ModuleNotFoundError:
                continue
    found, todo = [], list(django_filters.FilterSet.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_APPS:
            found.append(cls)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def test_the_sweep_finds_the_filtersets():
    assert len(filtersets()) >= 5


@pytest.mark.parametrize("filterset", filtersets(), ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_every_label_reads_in_english(filterset):
    with translation.override("en"):
        untranslated = {
            name: str(field.label)
            for name, field in filterset.base_filters.items()
            if field.label is not None and CJK.search(str(field.label))
        }
    assert untranslated == {}
