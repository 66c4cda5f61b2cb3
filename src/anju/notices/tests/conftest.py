import importlib

import pytest


@pytest.fixture(autouse=True)
def builtin_reminder_data(request):
    """Solar terms, holidays and templates ship in a data migration; a transactional test of any
    app flushes them, so put them back for the tests that need them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:  # the database the marker asks for, set up before we read it
        request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    elif not any(name in request.fixturenames for name in ("db", "transactional_db", "world")):
        return
    from django.apps import apps

    from anju.notices.models import SolarTerm

    if not SolarTerm.objects.exists():
        importlib.import_module("anju.notices.migrations.0002_builtin_data").load(apps, None)
