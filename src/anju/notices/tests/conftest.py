import importlib

import pytest


@pytest.fixture(autouse=True)
def builtin_reminder_data(request):
    """Solar terms, holidays and templates ship in a data migration; a transactional test of any
    app flushes them, so put them back for the tests that need them."""
    if (
        "db" not in request.fixturenames
        and "transactional_db" not in request.fixturenames
        and "world" not in request.fixturenames
    ):
        return
    from django.apps import apps

    from anju.notices.models import SolarTerm

    if not SolarTerm.objects.exists():
        importlib.import_module("anju.notices.migrations.0002_builtin_data").load(apps, None)
