"""The contract between core and the domain apps.

Every Anju app's ``AppConfig`` subclasses :class:`AnjuAppConfig`. Core never imports an app:
it walks :func:`anju_apps` and calls the hooks below, whose defaults contribute nothing, so an
app overrides only what it offers. ``core/tests/test_app_contract.py`` checks every app
against this class (signatures, return shapes, the skeleton of modules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # pragma: no cover - typing only
    from django.http import HttpRequest

    from .comparison import Metric
    from .demo import DemoContext


class ConsoleEntry(NamedTuple):
    """One console menu entry: shown to staff who hold ``permission`` (None: every staff user),
    under the menu ``section`` (see ``core.navigation.SECTIONS``)."""

    label: Any
    url_name: str
    permission: str | None
    section: str


class PortalEntry(NamedTuple):
    """One resident portal entry (bottom tab or home tile)."""

    label: Any
    url_name: str
    icon: str


class Work(NamedTuple):
    """Work a person is about to be given or to sign off, as ``assignment_refusals`` sees it:
    ``kind`` names the work ("servicedesk.ticket", "facilities.maintenance",
    "facilities.inspection"), ``key`` its sort within that kind (a ticket's category, a plan's
    asset category, a route's kind), in ``organization_id`` / ``community_id``, on ``on`` (the
    day the work is done; today when None)."""

    kind: str
    key: str
    organization_id: int
    community_id: int | None = None
    on: date | None = None


class AnjuAppConfig(AppConfig):
    """Base class of every Anju app; each hook is optional and typed.

    - ``console_nav`` / ``portal_nav``: menu entries (tuples of ConsoleEntry / PortalEntry shape).
    - ``role_homes`` / ``role_work``: the home page of a role, and the menu entries that are
      its everyday work (shown first).
    - ``dashboard_cards(request)``: cards for the console workbench, each a dict with ``title``,
      ``value``, optional ``link``, ``tone`` (ok/warn/bad) and ``note``; only what the user may see.
    - ``community_metrics`` / ``staff_metrics``: :class:`core.comparison.Metric` rows for the
      communities compared page and the staff measures, counting only what ``user`` may see.
    - ``personal_data(user)``: the app's section of a person's PIPL export (a JSON-ready dict),
      or None when the app keeps nothing about people.
    - ``resident_home(request)``: the app's sections of the resident home (我的家, ``/app/``):
      what needs the resident now, each a dict ``{"order": int, "title": str, "template": str,
      "context": dict}``; the home renders them by ``order`` (lower first) and skips an app that
      returns ``[]``. Count with the same selector as the portal list the section links to, in a
      number of queries that does not grow with the rows.
    - ``build_demo(ctx)``: adds the app's story to ``anju demo``; by default calls
      ``<app>.demo.build(ctx)`` when the app has a ``demo`` module.
    - ``machine_for_key(key)``: the active machine (an IoT gateway) with this API key, for
      ``Authorization: Gateway <key>``; the first app that knows it answers.
    - ``restore_reference_data()``: puts back rows the app's data migrations ship, after a
      transactional test flushed them (reference calendars, rule sets).
    - ``assignment_refusals(user_ids, work)``: of these people, those who may not be given
      :class:`Work` (a licence the work needs and they lack), as ``{user id: DomainError}``;
      ``check_assignment`` and ``assignable`` below ask every app, in a fixed number of queries.
    - ``mqtt_topics()``: ``{topic filter: handler(topic, payload)}`` the MQTT consumer
      (``anju iot_listen``) subscribes to besides telemetry, e.g. the gateways' acknowledgements.
    """

    console_nav: ClassVar[Sequence[tuple]] = ()
    portal_nav: ClassVar[Sequence[tuple]] = ()
    #: role -> url name of the page that role lands on after login and on ``/console/``
    #: (technician -> my tasks, guard -> patrol shift, ...). One app declares each role's home.
    role_homes: ClassVar[dict[str, str]] = {}
    #: role -> url names of this app's ``console_nav`` entries that are that role's everyday
    #: work: the menu shows them first, under "My work", before the sections.
    role_work: ClassVar[dict[str, Sequence[str]]] = {}
    #: audit action key (``"servicedesk.ticket.escalated"``) -> how the history and the recent
    #: changes name it (a lazy translation, e.g. ``_("Ticket escalated")``). Keys missing here
    #: are named from the model's verbose name and core's verbs (created, changed, ...).
    audit_labels: ClassVar[dict[str, Any]] = {}

    def dashboard_cards(self, request: HttpRequest) -> list[dict]:
        return []

    def community_metrics(
        self, user, community_ids: list[int], start: date, end: date, now: datetime
    ) -> list[Metric]:
        return []

    def staff_metrics(
        self, user, staff_ids: list[int], start: date, end: date, now: datetime
    ) -> list[Metric]:
        return []

    def personal_data(self, user) -> dict | None:
        return None

    def resident_home(self, request: HttpRequest) -> list[dict]:
        return []

    def build_demo(self, ctx: DemoContext) -> None:
        module = self.optional_module("demo")
        if module is not None:
            module.build(ctx)

    def restore_reference_data(self) -> None:
        return None

    def machine_for_key(self, key: str):
        """The machine (an IoT gateway) whose API key this is, active, or None: what
        ``Authorization: Gateway <key>`` authenticates as (core.api.authentication)."""
        return None

    def assignment_refusals(self, user_ids: list[int], work: Work) -> dict:
        return {}

    def mqtt_topics(self) -> dict[str, Callable[[str, bytes], Any]]:
        return {}

    def optional_module(self, name: str):
        """``<app>.<name>`` when the app has it, else None (an import error inside it raises)."""
        try:
            return import_module(f"{self.name}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{self.name}.{name}":
                raise
            return None


def anju_apps() -> Iterator[AnjuAppConfig]:
    """The installed Anju apps, core first, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        if isinstance(config, AnjuAppConfig):
            yield config


def assignment_refusals(user_ids, work: Work) -> dict:
    """{user id: DomainError} for those of ``user_ids`` some app refuses ``work`` to."""
    refused: dict = {}
    ids = [pk for pk in user_ids if pk is not None]
    if not ids:
        return refused
    for config in anju_apps():
        for pk, error in config.assignment_refusals(ids, work).items():
            refused.setdefault(pk, error)
    return refused


def check_assignment(user, work: Work, field: str = "assignee") -> None:
    """Refuse (the app's DomainError, naming ``field``) giving ``work`` to ``user``."""
    if user is None or getattr(user, "is_superuser", False):
        return
    error = assignment_refusals([user.pk], work).get(user.pk)
    if error is not None:
        error.fields = {field: [str(error.message)]}
        raise error


def assignable(users, work: Work) -> list:
    """Those of ``users`` no app refuses ``work`` to (automatic dispatch skips the others)."""
    users = list(users)
    refused = assignment_refusals([u.pk for u in users], work)
    return [u for u in users if u.pk not in refused]


class CoreConfig(AnjuAppConfig):
    name = "anju.core"
    label = "core"
    verbose_name = _("Core")

    console_nav = [
        (_("Dashboard"), "console:dashboard", None, "main"),
        (_("Communities compared"), "console:compare", "core.compare.view", "main"),
        (_("Communities"), "console:community-list", "core.community.view", "data"),
        (_("Buildings"), "console:building-list", "core.building.view", "data"),
        (_("Houses"), "console:house-list", "core.house.view", "data"),
        (_("Owners and residents"), "console:person-list", "core.person.view", "data"),
        (_("Import from Excel"), "console:import", "core.import.run", "data"),
        (_("Audit log"), "console:audit-list", "core.audit.view", "data"),
        (_("Background jobs"), "console:job-list", "core.community.view", "data"),
    ]
    portal_nav = [
        (_("My home"), "portal:home", "🏠"),
    ]
    role_work = {
        "manager": ["console:compare", "console:house-list", "console:person-list"],
        "org_admin": ["console:compare"],
        "agent": ["console:house-list", "console:person-list"],
    }
    audit_labels = {
        "core.demo.loaded": _("Demo data loaded"),
        "core.import.completed": _("Excel import completed"),
        "core.login.failed": _("Failed login"),
        "core.login.locked": _("Login locked after failed attempts"),
        "core.login.revoked": _("Login signed out"),
        "core.membership.granted": _("Role granted"),
        "core.membership.changed": _("Role changed"),
        "core.membership.deleted": _("Role removed"),
        "core.occupancy.representative_cleared": _("Voting representative cleared"),
        "core.person.personal_data_purged": _("Personal data erased"),
        "core.user.password_changed": _("Password changed"),
        "core.user.password_set": _("Password set"),
        "core.user.renamed": _("Login name changed"),
        "core.wechat.bound": _("WeChat linked"),
        "core.wechat.unbound": _("WeChat unlinked"),
    }

    def build_demo(self, ctx) -> None:
        return None  # core's own demo is the frame every other app's story is built on

    def ready(self):
        from . import (
            checks,  # noqa: F401 - registers the system checks
            text,
        )

        text.install()  # control and bidi characters out of every text field (core.text)
