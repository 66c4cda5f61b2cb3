"""No existence oracle (issue 16): a reference to an object outside the caller's scope answers
exactly as a missing id (same status, code and message), and no answer names a person outside
the caller's scope.

Two kinds of test: one that looks at every serializer of every app and fails on a writable
reference that does not resolve through the caller's scope (so a new one is caught), and, per app,
the answers to an outsider's id and to an id that does not exist, compared byte for byte.
"""

import importlib
import json
import re
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework import relations, serializers

from anju.core.api.fields import ScopedRelatedField
from anju.core.choices import Role
from anju.core.testing import api_client, make_user

pytestmark = pytest.mark.django_db
MISSING = 987654321


# --- every writable reference resolves through the caller's scope ----------------------------


def _anju_serializers():
    for config in apps.get_app_configs():
        if not config.name.startswith("anju."):
            continue
        for name in ("api", "api.views", "api.serializers", "api.accounts"):
            try:
                importlib.import_module(f"{config.name}.{name}")
            except ModuleNotFoundError as exc:
                if not f"{config.name}.{name}".startswith(exc.name or "\0"):
                    raise
    seen, stack = set(), [serializers.BaseSerializer]
    while stack:
        for cls in stack.pop().__subclasses__():
            if cls not in seen:
                seen.add(cls)
                stack.append(cls)
                if cls.__module__.startswith("anju."):
                    yield cls


# Integer fields that name no object (counts, minutes, scores, years ...) are not references;
# these are the ones that do, and must be ScopedRelatedField instead.
ID_NAMES = {"line", "late_charge", "person", "house", "question", "fee_items", "owner", "user"}


# Ids looked up only among the rows of an object the caller already reached through its scope:
# every other id, of any company or of none, gets the one same answer.
AMONG_THE_PARENTS_ROWS = {
    "anju.billing.api.CreditSerializer.line": "a line of this bill (404 naming the field)",
    "anju.billing.api.WaiveSerializer.late_charge": "a late charge of this bill (404 alike)",
    "anju.notices.api.surveys.AnswerInput.question": "a question of this survey (services.submit_response)",
    "anju.notices.api.surveys.ResponseInput.house": "one of the caller's invited households",
    "anju.finance.api.MatchSerializer.line": "a line of this bank statement (statement.lines)",
}


def test_every_writable_reference_resolves_through_the_callers_scope():
    unscoped = []
    for cls in _anju_serializers():
        try:
            fields = cls().fields
        except Exception:  # a serializer that needs arguments to be built: none today
            unscoped.append(f"{cls.__module__}.{cls.__name__}: cannot be inspected")
            continue
        for name, field in fields.items():
            if field.read_only:
                continue
            inner = field
            if isinstance(field, relations.ManyRelatedField):
                inner = field.child_relation
            elif isinstance(field, serializers.ListField):
                inner = field.child
            where = f"{cls.__module__}.{cls.__name__}.{name}"
            if where in AMONG_THE_PARENTS_ROWS:
                continue
            if isinstance(inner, relations.RelatedField):
                if not isinstance(inner, ScopedRelatedField):
                    unscoped.append(f"{where} ({type(inner).__name__})")
            elif isinstance(inner, serializers.IntegerField) and (
                name in ID_NAMES or name.endswith("_id")
            ):
                unscoped.append(f"{where} (an id as a plain integer)")
    assert not unscoped, "references not resolved through the caller's scope:\n" + "\n".join(
        sorted(unscoped)
    )


# --- per app: the outsider's id answers exactly as a missing one ------------------------------


@pytest.fixture
def outsiders(world):
    """People of company B (and of community A2) whose ids a caller of company A might send."""
    other = world.other_org
    return {
        # A technician of company B whose login is a phone number, as residents' logins are.
        "b_tech": make_user(
            "13800009999", org=other, role=Role.TECHNICIAN, communities=[world.other_community]
        ),
        "b_guard": make_user(
            "guard-13800008888", org=other, role=Role.GUARD, communities=[world.other_community]
        ),
        "b_admin": world.users["outsider"],
        "b_resident": world.users["stranger"],
        # Staff of the same company working only in community A2 (outside manager's scope).
        "a2_tech": make_user(
            "a2tech", org=world.org, role=Role.TECHNICIAN, communities=[world.community2]
        ),
    }


def _secrets(user):
    values = {user.username, user.phone or "", user.get_full_name()}
    if user.person_id:
        values |= {user.person.name, user.person.phone}
    return {v for v in values if v and len(v) > 2}


def same_as_missing(client, method, url, field, outsider_id, payload=None, many=False, secrets=()):
    """POST/PATCH ``{field: outsider_id}`` and ``{field: MISSING}``: identical answers, 404."""

    def send(value):
        body = dict(payload or {})
        body[field] = [value] if many else value
        response = getattr(client, method)(url, body, format="json")
        return response.status_code, response.content.decode()

    outsider_status, outsider_body = send(outsider_id)
    missing_status, missing_body = send(MISSING)
    assert (outsider_status, outsider_body.replace(str(outsider_id), "<id>")) == (
        missing_status,
        missing_body.replace(str(MISSING), "<id>"),
    ), f"{url} {field}: the outsider's id answers unlike a missing one"
    assert missing_status == 404, (url, field, missing_status, missing_body)
    error = json.loads(missing_body)["error"]
    assert error["code"] == "not_found" and field in error["fields"], error
    for secret in secrets:
        assert secret not in outsider_body, f"{url} {field}: the answer names {secret!r}"


def _ticket(world):
    from anju.servicedesk import services

    return services.create_ticket(
        actor=world.users["agent"],
        community=world.community,
        house=world.house,
        kind="repair",
        category="water",
        description="厨房水管漏水",
        channel="phone",
    )


@pytest.mark.parametrize("verb", ["assign", "transfer"])
@pytest.mark.parametrize("caller", ["org_admin", "manager"])
def test_servicedesk_ticket_assignee(world, outsiders, verb, caller):
    from anju.servicedesk import services

    ticket = _ticket(world)
    if verb == "transfer":
        services.assign(
            actor=world.users["agent"], ticket=ticket, assignee=world.users["technician"]
        )
    client = api_client(world.users[caller])
    url = f"/api/v1/tickets/{ticket.pk}/{verb}/"
    names = ["b_tech", "b_admin", "b_resident"] + (["a2_tech"] if caller == "manager" else [])
    for name in names:
        person = outsiders[name]
        same_as_missing(
            client, "post", url, "assignee", person.pk, {"reason": "换人"}, secrets=_secrets(person)
        )


@pytest.mark.parametrize("path", ["staff-skills", "duty-shifts"])
def test_servicedesk_roster_user(world, outsiders, path):
    client = api_client(world.users["manager"])
    payload = {"community": world.community.pk, "skill": "plumbing", "role": "technician"}
    for name in ("b_tech", "b_resident", "a2_tech"):
        person = outsiders[name]
        same_as_missing(
            client, "post", f"/api/v1/{path}/", "user", person.pk, payload, secrets=_secrets(person)
        )


@pytest.mark.parametrize(
    "path,field",
    [
        ("maintenance-plans", "assignee"),
        ("inspection-plans", "assignee"),
        ("hazards", "responsible"),
        ("patrol-shifts", "guard"),
    ],
)
def test_facilities_staff_references(world, outsiders, path, field):
    for caller in ("org_admin", "manager"):
        client = api_client(world.users[caller])
        names = ["b_tech", "b_guard", "b_resident"] + (["a2_tech"] if caller == "manager" else [])
        for name in names:
            person = outsiders[name]
            same_as_missing(
                client,
                "post",
                f"/api/v1/{path}/",
                field,
                person.pk,
                {"community": world.community.pk},
                secrets=_secrets(person),
            )


def test_staff_evaluation_staff_member(world, outsiders):
    client = api_client(world.users["manager"])
    for name in ("b_tech", "b_resident", "a2_tech"):
        person = outsiders[name]
        same_as_missing(
            client,
            "post",
            "/api/v1/evaluations/",
            "staff",
            person.pk,
            {"community": world.community.pk},
            secrets=_secrets(person),
        )


def test_core_membership_user(world, outsiders):
    client = api_client(world.users["org_admin"])
    for name in ("b_tech", "b_admin", "b_resident"):
        person = outsiders[name]
        same_as_missing(
            client,
            "post",
            "/api/v1/memberships/",
            "user",
            person.pk,
            {"organization": world.org.pk, "role": "agent"},
            secrets=_secrets(person),
        )


def test_core_occupancy_person_and_house(world, outsiders):
    client = api_client(world.users["org_admin"])
    stranger = world.people["stranger"]
    same_as_missing(
        client,
        "post",
        "/api/v1/occupancies/",
        "person",
        stranger.pk,
        {"house": world.house.pk, "relation": "tenant"},
        secrets={stranger.name, stranger.phone},
    )
    same_as_missing(
        client,
        "post",
        "/api/v1/occupancies/",
        "house",
        world.other_house.pk,
        {"person": world.people["owner"].pk, "relation": "tenant"},
    )


def test_notices_meeting_action_item_owner(world, outsiders):
    from anju.notices import services

    meeting = services.create_meeting(
        actor=world.users["org_admin"],
        community=world.community,
        title="业主座谈会",
        held_at=timezone.now(),
    )
    client = api_client(world.users["manager"])
    for name in ("b_tech", "b_resident", "a2_tech"):
        person = outsiders[name]
        same_as_missing(
            client,
            "post",
            f"/api/v1/meetings/{meeting.pk}/action-items/",
            "owner",
            person.pk,
            {"title": "修好门禁"},
            secrets=_secrets(person),
        )


def test_governance_ballot_person(world, outsiders):
    from anju.governance.tests.factories import open_vote

    vote, opens = open_vote(world)
    stranger, neighbour = world.people["stranger"], world.people["neighbour"]
    committee = api_client(world.users["committee"])
    url = f"/api/v1/votes/{vote.pk}/ballots/"
    same_as_missing(
        committee,
        "post",
        url,
        "person",
        stranger.pk,
        {"choice": "yes"},
        secrets={stranger.name, stranger.phone},
    )
    # A resident names a neighbour: outside their scope, the same answer as a missing person.
    resident = api_client(world.users["resident"])
    same_as_missing(
        resident,
        "post",
        url,
        "person",
        neighbour.pk,
        {"choice": "yes"},
        secrets={neighbour.name, neighbour.phone},
    )


def test_governance_fund_accounts_community_filter(world):
    client = api_client(world.users["org_admin"])

    def ask(community):
        r = client.get("/api/v1/fund-accounts/", {"community": community, "low": "1"})
        return r.status_code, r.content.decode().replace(str(community), "<id>")

    assert ask(world.other_community.pk) == ask(MISSING)


def test_billing_run_fee_items(world):
    from decimal import Decimal

    from anju.billing.models import FeeItem

    other_item = FeeItem.objects.create(
        organization=world.other_org,
        community=world.other_community,
        name="物业费",
        method="area",
        unit_price=Decimal("2.00"),
        effective_from=date(2026, 1, 1),
    )
    client = api_client(world.users["org_admin"])
    same_as_missing(
        client,
        "post",
        "/api/v1/billing-runs/",
        "fee_items",
        other_item.pk,
        {"community": world.community.pk, "period": "2026-11"},
        many=True,
    )


def test_spaces_booking_person_and_house(world):
    client = api_client(world.users["org_admin"])
    stranger = world.people["stranger"]
    same_as_missing(
        client,
        "post",
        "/api/v1/bookings/",
        "person",
        stranger.pk,
        {"starts_at": (timezone.now() + timedelta(days=1)).isoformat()},
        secrets={stranger.name, stranger.phone},
    )
    same_as_missing(client, "post", "/api/v1/bookings/", "house", world.other_house.pk)


def test_iot_device_community_and_building(world):
    from anju.core.models import Building

    client = api_client(world.users["manager"])
    same_as_missing(client, "post", "/api/v1/iot/devices/", "community", world.community2.pk)
    other_building = Building.objects.get(community=world.other_community)
    same_as_missing(
        client,
        "post",
        "/api/v1/iot/devices/",
        "building",
        other_building.pk,
        {"community": world.community.pk},
    )


def test_notices_notice_houses(world):
    client = api_client(world.users["manager"])
    same_as_missing(
        client,
        "post",
        "/api/v1/notices/",
        "houses",
        world.other_house.pk,
        {"community": world.community.pk},
        many=True,
    )


def _filter_references():
    """(list url, filter name) of every reference in a registered viewset's ``filterset_fields``."""
    from django.db import models

    from anju.urls import router

    for prefix, viewset, _basename in router.registry:
        names = getattr(viewset, "filterset_fields", None) or []
        queryset = getattr(viewset, "queryset", None)
        if queryset is None:
            continue
        for name in names if isinstance(names, list | tuple) else list(names):
            model, field = queryset.model, None
            for part in name.split("__"):
                try:
                    field = model._meta.get_field(part)
                except Exception:
                    field = None
                    break
                model = field.related_model or model
            if isinstance(field, models.ForeignKey | models.OneToOneField | models.ManyToManyField):
                yield f"/api/v1/{prefix}/", name


def test_reference_filters_list_nothing_for_an_unknown_or_outside_id(world):
    """``?community=<another company's>`` and ``?community=<no such id>`` answer alike: an empty
    list (django-filter answered 400 for the one and [] for the other)."""
    client = api_client(world.users["org_admin"])
    checked = 0
    for url, name in _filter_references():
        missing = client.get(url, {name: MISSING})
        assert missing.status_code == 200, (url, name, missing.content)
        if name == "community":
            outside = client.get(url, {name: world.other_community.pk})
            assert outside.content.decode().replace(str(world.other_community.pk), "<id>") == (
                missing.content.decode().replace(str(MISSING), "<id>")
            ), (url, name)
        checked += 1
    assert checked > 20


def test_console_meeting_action_item_owner(world, outsiders, client):
    """The console form takes the owner's id too: another company's login, or a resident's,
    is refused exactly as an id that does not exist, and nothing is added."""
    from anju.notices import services
    from anju.notices.models import ActionItem

    meeting = services.create_meeting(
        actor=world.users["org_admin"],
        community=world.community,
        title="业主座谈会",
        held_at=timezone.now(),
    )
    client.force_login(world.users["manager"])
    url = f"/console/meetings/{meeting.pk}/"

    def send(owner):
        # A refusal comes back on the form (400) with what was typed; the error names no one.
        r = client.post(url, {"action": "item", "title": "修好门禁", "owner": owner})
        content = r.content.decode()
        shown = re.findall(r'class="(?:field-error|errorlist)[^"]*">(.*?)</', content, re.S)
        return r.status_code, [text.replace(str(owner), "<id>").strip() for text in shown]

    missing = send(MISSING)
    assert missing[0] == 400 and missing[1], missing
    for name in ("b_tech", "b_resident", "a2_tech"):
        person = outsiders[name]
        answer = send(person.pk)
        assert answer == missing, (name, answer, missing)
        assert not any(s in m for m in answer[1] for s in _secrets(person))
    assert send("x1")[1] == missing[1]
    assert not ActionItem.objects.filter(meeting=meeting).exists()
    page = client.get(url).content.decode()
    for name in ("b_tech", "b_resident", "a2_tech"):
        assert outsiders[name].username not in page


def test_reference_filters_refuse_an_id_no_key_can_hold(world):
    """``?point=9223372036854775809`` is 400 naming the parameter on every database (SQLite's
    driver overflowed into a 500), and so is a negative id."""
    client = api_client(world.users["org_admin"])
    checked = 0
    for url, name in _filter_references():
        for value in ("9223372036854775809", "-3"):
            answer = client.get(url, {name: value})
            assert answer.status_code == 400, (url, name, value, answer.content)
            assert name in answer.json()["error"]["fields"], (url, name)
        checked += 1
    assert checked > 20
