"""Schemathesis over the whole OpenAPI schema, in-process (WSGI) on the demo data built once,
as a company admin and as a resident (token auth): no answer 5xx, and every answer as the
schema documents it (status code, content type, body). Bounded and reproducible: a few
derandomized examples per operation, so a run takes a few minutes on SQLite and PostgreSQL.

A failure lists each operation with the checks it failed and a curl command to reproduce."""

import contextlib
import io
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 3
pytestmark = pytest.mark.django_db
# The schema has some 400 operations; a run that reaches far fewer did not test the API.
MIN_OPERATIONS = 350


def _examples(operation, headers, calls, failures):
    """A Hypothesis test of ``operation`` that records its calls and failures."""

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,  # the same examples every run
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: we collect, not raise
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        calls[operation.label] += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as exc:
            titles = tuple(sorted({f.title for f in exc.exceptions}))
            failures.setdefault((operation.label, titles), str(exc)[:4000])

    return run


def fuzz(schema, token):
    """(calls per operation, failure reports) of every operation as the token's user."""
    headers = {"Authorization": f"Token {token}"}
    calls, failures = Counter(), {}
    for result in schema.get_all_operations():
        with contextlib.suppress(Unsatisfiable):  # an operation with nothing to generate
            _examples(result.ok(), headers, calls, failures)()
    return calls, failures


@pytest.fixture
def in_test_transaction():
    """Requests through the WSGI handler would close the test's connection when they end (its
    transaction is open, so it looks unusable): keep it, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def demo_world(in_test_transaction):
    from anju.core import demo

    return demo.build(out=io.StringIO(), progress=False)


def test_api_fuzz_as_company_admin_and_resident(demo_world):
    from anju.core.testing import api_token

    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    resident = demo_world.residents[0][0]
    report, problems = [], []
    for role, user in (("company admin", demo_world.staff["admin"]), ("resident", resident)):
        calls, failures = fuzz(schema, api_token(user))
        report.append(f"{role}: {sum(calls.values())} calls over {len(calls)} operations")
        if len(calls) < MIN_OPERATIONS:
            problems.append(f"{role}: only {len(calls)} operations were called")
        problems += [
            f"{role} · {label} · {', '.join(titles)}\n{text}"
            for (label, titles), text in failures.items()
        ]
    print("\n".join(report))
    assert not problems, "\n".join(report + problems)[:60000]
