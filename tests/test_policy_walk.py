"""One generic walk of the API against the policy table (issue 16, "Done means").

Every viewset the routers register, and every one of its actions, is enumerated from the router
(a new viewset is walked without editing this file) and asked, by every role of
``core/policy.py`` (``ROLE_PERMISSIONS`` and the resident) and by an outsider company's admin:
list, detail, create, update, delete and each extra action, on demo-like data of two companies
(``walk_world``). What each answer must be comes from the policy table:

- a role without the permission the action declares gets 403 (404 where the object is outside
  its scope), a role with it never gets 403, and reads the objects of its scope (200);
- an object outside the caller's scope is 404 on every detail route;
- an outsider's lists hold nothing of the other company, and a resident's lists only rows of
  their own houses (or themselves, or what every resident of their community reads);
- no answer is a 500.

Each request runs in a transaction rolled back after it, so the walk changes nothing the next
request sees. A second test fails when code names a permission the policy's catalogue lacks, or
when the catalogue holds one nothing uses.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import transaction
from rest_framework.test import APIClient
from walk_world import build

from anju.core import policy
from anju.core.models import User
from anju.core.testing import restore_migration_data

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db

# The world's actors, one per role of the policy table (and the resident).
ROLE_USERS = {
    "org_admin": "org_admin",
    "manager": "manager",
    "agent": "agent",
    "technician": "technician",
    "guard": "guard",
    "cleaner": "cleaner",
    "cashier": "cashier",
    "finance": "finance",
    "committee": "committee",
    "resident": "resident",
}
OUTSIDER = "outsider"

# Actions that declare no permission of the policy table because they are a person's own.
PERSONAL_ACTIONS = {
    "evaluation.list": "each person reads their own evaluations (and managers those they hold)",
    "evaluation.retrieve": "each person reads their own evaluation",
    "evaluation.acknowledge": "only the evaluated person acknowledges their evaluation",
    "house-claim.list": "each person reads their own home claims (and staff their review queue)",
    "house-claim.retrieve": "each person reads their own home claim",
    "house-claim.create": "any signed-in person may claim a house; approval is the staff's",
    "walk-in.answer": "only a resident of the visited home lets a walk-in visitor in or not",
    "release-pass.confirm": "only an owner of the home confirms a tenant's goods release",
    "release-pass.decline": "only an owner of the home declines a tenant's goods release",
    "release-pass.cancel": "only the applicant or an owner of the home cancels an application",
    "access-credential.delete_face": "only the person deletes their own face data",
    "attendance.list": "each person reads their own clock records (and managers those they hold)",
    "attendance.retrieve": "each person reads their own clock record",
    "attendance.clock": "each employee clocks in and out for themself",
    "attendance-correction.list": "each person reads their own corrections (and managers theirs)",
    "attendance-correction.retrieve": "each person reads their own correction",
    "attendance-correction.create": "each employee asks for their own missed clock",
    "staff-suggestion.list": "each person reads their own suggestions (and managers theirs)",
    "staff-suggestion.retrieve": "each person reads their own suggestion",
    "staff-suggestion.create": "any employee submits an idea",
    "manager-review.list": "each manager reads their own quarterly reviews (and admins theirs)",
    "manager-review.retrieve": "each manager reads their own quarterly review",
    "manager-review.acknowledge": "only the reviewed manager acknowledges their review",
}
# Viewsets of which the demo-like world holds no object for company A, and why.
NO_OBJECT = {
    "collection-action": "the world's three months of bills hold no arrears a collection needs",
}
# Viewsets that declare no permission of the policy table, and why that is right.
NO_POLICY_PERMISSION = {
    "notification": "the caller's own in-app inbox: every signed-in user reads only their own rows",
    "vote-rule-set": "the statutory voting rules (民法典第278条), the same for everyone signed in",
    "inbox": "the caller's own notice receipts: every signed-in user reads only their own rows",
}


@dataclass
class Finding:
    kind: str
    text: str


@dataclass
class Walk:
    world: object
    findings: list = field(default_factory=list)
    walked: dict = field(default_factory=dict)  # basename -> number of routes walked
    requests: int = 0

    def bad(self, kind, text):
        self.findings.append(Finding(kind, text))

    def of(self, kind):
        return sorted({f.text for f in self.findings if f.kind == kind})


def _routes(viewset):
    """(action, method, detail, url_path) of every route the router makes for ``viewset``."""
    allowed = set(getattr(viewset, "http_method_names", ()))
    standard = [
        ("list", "get", False),
        ("create", "post", False),
        ("retrieve", "get", True),
        ("update", "put", True),
        ("partial_update", "patch", True),
        ("destroy", "delete", True),
    ]
    for name, method, detail in standard:
        if hasattr(viewset, name) and method in allowed:
            yield name, method, detail, None
    for extra in viewset.get_extra_actions():
        for method, name in extra.mapping.items():
            if method in allowed:
                yield name, method, extra.detail, extra.url_path


def _required_permission(viewset, action, method, user):
    view = viewset()
    view.action, view.kwargs, view.format_kwarg, view.args = action, {}, None, ()
    view.request = SimpleNamespace(method=method.upper(), user=user, query_params={}, data={})
    required = getattr(view, "required_permission", None)
    return required() if required else None


def _model(viewset):
    queryset = getattr(viewset, "queryset", None)
    if queryset is not None:
        return queryset.model
    meta = getattr(getattr(viewset, "serializer_class", None), "Meta", None)
    return getattr(meta, "model", None)


def _path_value(obj, path):
    """The value at a scope path ("community__houses", "house", "pk") of ``obj``: an id, or the
    set of ids where the path runs through a many-valued relation."""
    parts = path.split("__")
    values = [obj]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        following = []
        for value in values:
            if part == "pk":
                following.append(value.pk)
                continue
            f = type(value)._meta.get_field(part)
            if f.many_to_many or f.one_to_many:
                accessor = f.get_accessor_name() if f.auto_created and not f.concrete else part
                following.extend(getattr(value, accessor).all())
            elif last:
                following.append(getattr(value, f.attname))
            else:
                related = getattr(value, part)
                if related is not None:
                    following.append(related)
        values = following
    ids = {v.pk if hasattr(v, "pk") else v for v in values}
    many = any(_many(type(obj), parts[: i + 1]) for i in range(len(parts)) if parts[i] != "pk")
    if many:
        return ids
    return next(iter(ids), None)


def _many(model, parts):
    for part in parts:
        f = model._meta.get_field(part)
        if f.many_to_many or f.one_to_many:
            return True
        model = f.related_model or model
    return False


def _in(value, allowed):
    if isinstance(value, set):
        return bool(value & set(allowed))
    return value in allowed


def _pick(model, world):
    """An object of company A for the detail routes: of the resident's house when the model has
    houses, else of community A1 (where the community-limited actors work), else any of A's."""
    if model is User:
        return world.users["agent"]
    scope = getattr(model, "scope", None)
    if scope is None:  # a user's own rows (inbox), or reference data every user reads
        rows = model._default_manager.order_by("pk")
        if any(f.name == "user" for f in model._meta.get_fields()):
            rows = rows.filter(user__memberships__organization=world.org)
        return rows.first()
    rows = model._default_manager.filter(**{scope.organization: world.org.pk})
    preferences = []
    if scope.house:
        preferences.append({f"{scope.house}__in": world.users["resident"].resident_house_ids()})
    if scope.community:
        preferences.append({scope.community: world.community.pk})
    for preference in preferences:
        obj = rows.filter(**preference).order_by("pk").first()
        if obj is not None:
            return obj
    return rows.order_by("pk").first()


def _of_company(model):
    """Rows of one company (or of one of its users), as opposed to reference data for all."""
    return hasattr(model, "scope") or any(f.name == "user" for f in model._meta.get_fields())


def _visible(viewset, action, method, user, obj):
    """Is ``obj`` in ``user``'s scope? A resident's by the rows of their houses (an independent
    reading, below); staff's by the viewset's own scoped queryset."""
    if not user.active_memberships() and user.person_id and hasattr(type(obj), "scope"):
        return _resident_may_see(obj, user)
    view = viewset()
    view.action, view.kwargs, view.format_kwarg, view.args = action, {"pk": obj.pk}, None, ()
    view.request = SimpleNamespace(
        method=method.upper(), user=user, query_params={}, data={}, GET={}, auth=None
    )
    return view.get_queryset().filter(pk=obj.pk).exists()


def _rows(response):
    if "json" not in response.get("Content-Type", ""):
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        body = body["results"]
    if not isinstance(body, list):
        return None
    return [row["id"] for row in body if isinstance(row, dict) and "id" in row]


# Rows of others a resident reads on purpose, beyond their houses and themselves.
RESIDENT_READS_COMMUNITY = {
    "Suggestion": "replies the company made public (reply_public) are read by the community",
}


def _resident_may_see(obj, user):
    """The resident's rows, decided on the object (an independent reading of core.scoping):
    rows of their houses, their own, and community-level rows of their own community."""
    scope = type(obj).scope
    if type(obj).__name__ in RESIDENT_READS_COMMUNITY and _in(
        _path_value(obj, scope.community), user.resident_community_ids()
    ):
        return True
    houses = user.resident_house_ids()
    if scope.shared_without_organization and _path_value(obj, scope.organization) is None:
        return True
    if scope.house and _in(_path_value(obj, scope.house), houses):
        return not any(_path_value(obj, path) == value for path, value in scope.residents_except)
    if scope.person and _in(_path_value(obj, scope.person), [user.person_id]):
        return True
    if scope.community and not scope.house and not scope.person:
        # Community-level rows (notices, votes, surveys, meetings, disclosures ...): each
        # viewset decides which a resident reads, never any of another community.
        return _in(_path_value(obj, scope.community), user.resident_community_ids())
    return False


def _call(walk, client, method, url):
    walk.requests += 1
    try:
        with transaction.atomic():
            if method in ("get", "delete"):
                response = getattr(client, method)(url)
            else:
                response = getattr(client, method)(url, {}, format="json")
            transaction.set_rollback(True)
    except Exception as exc:  # an unhandled error is a 500 for the client
        return SimpleNamespace(status_code=500, content=repr(exc).encode(), get=lambda *a: "")
    return response


def _walk(world):
    from anju.urls import router

    walk = Walk(world)
    users = {role: world.users[name] for role, name in ROLE_USERS.items()}
    users[OUTSIDER] = world.users[OUTSIDER]
    clients = {}
    for role, user in users.items():
        clients[role] = APIClient()
        clients[role].force_authenticate(user)
    company_rows = {}
    for prefix, viewset, basename in router.registry:
        model = _model(viewset)
        obj = _pick(model, world) if model is not None else None
        scoped = hasattr(model, "scope")
        if scoped and model not in company_rows:
            org_path = model.scope.organization
            company_rows[model] = set(
                model._default_manager.filter(**{org_path: world.org.pk}).values_list(
                    "pk", flat=True
                )
            )
        count = 0
        for action, method, detail, url_path in _routes(viewset):
            if detail and obj is None:
                if basename not in NO_OBJECT:
                    walk.bad("unwalked", f"{basename}.{action}: no object of company A to act on")
                continue
            if method == "get" and model is None and not detail:
                walk.bad("unwalked", f"{basename}.{action}: no model to check its rows against")
            url = f"/api/v1/{prefix}/" + (f"{obj.pk}/" if detail else "")
            url += f"{url_path}/" if url_path else ""
            where = f"{method.upper()} {url} ({basename}.{action})"
            count += 1
            exempt = basename in NO_POLICY_PERMISSION or f"{basename}.{action}" in PERSONAL_ACTIONS
            for role, user in users.items():
                perm = _required_permission(viewset, action, method, user)
                if perm is None and not exempt:
                    walk.bad("no-permission", f"{basename}.{action} declares no permission")
                perms = [perm] if perm else []
                if action == "export":
                    perms.append(viewset.export_permission)
                holds = all(policy.user_has(user, p) for p in perms)
                perm = " and ".join(perms) or None
                response = _call(walk, clients[role], method, url)
                status = response.status_code
                said = f"{where} as {role}: {status} {response.content[:160]!r}"
                if status >= 500:
                    walk.bad("500", said)
                    continue
                if exempt and (role != OUTSIDER or not _of_company(model)):
                    continue
                if detail:
                    visible = (
                        holds and role != OUTSIDER and _visible(viewset, action, method, user, obj)
                    )
                    if role == OUTSIDER:
                        if status != 404:
                            walk.bad("outsider", f"{said} (expected 404)")
                    elif not holds:
                        if status not in (403, 404):
                            walk.bad("policy", f"{said} (lacks {perm}: expected 403)")
                    elif not visible:
                        if status != 404:
                            walk.bad("scope", f"{said} (outside its scope: expected 404)")
                    elif role == "resident":
                        # What a resident may see is an upper bound: each viewset reads less.
                        if status == 403:
                            walk.bad("policy", f"{said} (holds {perm}: must not be 403)")
                    elif status == 403:
                        walk.bad("policy", f"{said} (holds {perm}: must not be 403)")
                    elif action == "retrieve" and status != 200:
                        walk.bad("policy", f"{said} (holds {perm}: expected 200)")
                    continue
                if not holds and role != OUTSIDER:
                    if status != 403:
                        walk.bad("policy", f"{said} (lacks {perm}: expected 403)")
                    continue
                if status == 403 and role != OUTSIDER:
                    walk.bad("policy", f"{said} (holds {perm}: must not be 403)")
                if method != "get" or not scoped:
                    continue
                ids = _rows(response)
                if ids is None:
                    continue
                if role == OUTSIDER:
                    leaked = set(ids) & company_rows[model]
                    if leaked:
                        walk.bad("outsider", f"{where}: the outsider lists {sorted(leaked)[:5]}")
                elif role == "resident":
                    rows = model._default_manager.filter(pk__in=ids)
                    foreign = [o.pk for o in rows if not _resident_may_see(o, user)]
                    if foreign:
                        walk.bad("resident", f"{where}: the resident lists {foreign[:5]}")
        walk.walked[basename] = count
    return walk


@pytest.fixture(scope="module")
def walked(django_db_setup, django_db_blocker):
    """The world built once for the module and walked once; rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            restore_migration_data()  # a transactional test before this module flushed them
            world, _staff_b, failed = build()
            walk = _walk(world)
            walk.failed_builders = failed
            yield walk
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _report(lines):
    return "\n".join(lines[:60]) + (f"\n... and {len(lines) - 60} more" if len(lines) > 60 else "")


def test_every_registered_viewset_is_walked(walked):
    from anju.urls import router

    assert len(walked.walked) == len(router.registry)
    assert not walked.of("unwalked"), _report(walked.of("unwalked"))
    assert not walked.of("no-permission"), _report(walked.of("no-permission"))
    assert walked.requests < 8000, walked.requests


def test_no_answer_is_a_500(walked):
    assert not walked.of("500"), _report(walked.of("500"))


def test_each_role_gets_what_the_policy_table_says(walked):
    assert not walked.of("policy"), _report(walked.of("policy"))


def test_objects_outside_the_callers_scope_are_404(walked):
    assert not walked.of("scope"), _report(walked.of("scope"))


def test_an_outsider_sees_nothing_and_gets_404(walked):
    assert not walked.of("outsider"), _report(walked.of("outsider"))


def test_a_resident_lists_only_their_houses(walked):
    assert not walked.of("resident"), _report(walked.of("resident"))


# --- the permission catalogue ---------------------------------------------------------------

PERMISSION = re.compile(r"""["']((?:core|[a-z]+)\.[a-z_]+\.[a-z_]+)["']""")
EVENT = re.compile(r"(ed|_back)$")
APPS_WITH_PERMISSIONS = (
    "core",
    "accounts",
    "servicedesk",
    "billing",
    "governance",
    "facilities",
    "notices",
    "spaces",
    "iot",
    "staff",
    "parking",
    "gate",
    "works",
    "life",
    "green",
    "people",
    "finance",
    "handover",
)


def _used_permissions():
    """Permission strings named in the code: viewsets, permissions, views, services, templates."""
    from anju.core.apps import anju_apps

    # Audit actions the apps name for people (AnjuAppConfig.audit_labels) are events too.
    events = {key for config in anju_apps() for key in config.audit_labels}
    used = {}
    for path in (ROOT / "src" / "anju").rglob("*"):
        if not path.is_file() or path.suffix not in (".py", ".html"):
            continue
        if "migrations" in path.parts or "tests" in path.parts or path.name == "policy.py":
            continue
        for match in PERMISSION.finditer(path.read_text(encoding="utf-8")):
            name = match.group(1)
            # Audit codes share the shape and name an event: "billing.payment.confirmed".
            if (
                name.split(".")[0] in APPS_WITH_PERMISSIONS
                and not EVENT.search(name)
                and (name not in events or name in policy.PERMISSIONS)
            ):
                used.setdefault(name, str(path.relative_to(ROOT)))
    # Permissions the base viewset composes from a prefix: "<prefix>.view" / "<prefix>.change".
    from anju.urls import router

    for _prefix, viewset, _basename in router.registry:
        prefix = getattr(viewset, "permission_prefix", "")
        if prefix:
            view = viewset()
            used.setdefault(getattr(view, "view_permission", f"{prefix}.view"), viewset.__name__)
    return used


def test_code_names_only_permissions_the_policy_knows():
    catalogue = policy.PERMISSIONS
    used = _used_permissions()
    unknown = sorted(
        f"{name} (in {where})" for name, where in used.items() if name not in catalogue
    )
    assert not unknown, "permissions missing from core.policy.PERMISSIONS:\n" + "\n".join(unknown)
    unused = sorted(set(catalogue) - set(used))
    assert not unused, "catalogue entries no code uses:\n" + "\n".join(unused)


def test_the_roles_grant_only_catalogued_permissions():
    for role, grants in [
        *policy.ROLE_PERMISSIONS.items(),
        ("resident", policy.RESIDENT_PERMISSIONS),
    ]:
        for granted in grants:
            if granted == "*":
                continue
            if granted.endswith(".*"):
                assert any(p.startswith(granted[:-1]) for p in policy.PERMISSIONS), (role, granted)
            else:
                assert granted in policy.PERMISSIONS, (role, granted)
