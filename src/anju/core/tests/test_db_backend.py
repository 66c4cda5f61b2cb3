"""anju.core.db.postgresql overrides three methods of Django's PostgreSQL backend (C datetime
parsing, prepared statements for the hot hand-written queries). Its copies must follow Django's:
when an upgrade changes any of them, this test fails until someone has compared the two and
recorded the new fingerprint here."""

import hashlib
import inspect

from django.db.backends.postgresql import base

# Django 5.2.x, read against anju/core/db/postgresql/base.py on 2026-12-02.
REVIEWED = {
    "create_cursor": "5309d92ffca3e871",
    "get_new_connection": "acc4e253c2e311a4",
    "get_connection_params": "c3b08b880d604ccb",
}


def test_the_overridden_django_methods_are_the_ones_reviewed():
    now = {
        name: hashlib.sha256(
            inspect.getsource(getattr(base.DatabaseWrapper, name)).encode()
        ).hexdigest()[:16]
        for name in REVIEWED
    }
    assert now == REVIEWED, (
        "Django's PostgreSQL backend changed: compare it with anju/core/db/postgresql/base.py, "
        "then record the new fingerprints"
    )
