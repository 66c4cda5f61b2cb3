"""Every Anju app keeps the contract of ``core.apps.AnjuAppConfig``: the hooks core calls have
the base's signatures and return what core expects, and each app has the common skeleton."""

import inspect
import json
from datetime import timedelta
from importlib.util import find_spec

import pytest
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from anju.core import policy
from anju.core.apps import AnjuAppConfig, anju_apps
from anju.core.comparison import Metric
from anju.core.navigation import SECTIONS

HOOKS = [
    "dashboard_cards",
    "community_metrics",
    "staff_metrics",
    "personal_data",
    "resident_home",
    "build_demo",
    "restore_reference_data",
    "machine_for_key",
    "mqtt_topics",
    "assignment_refusals",
]
# Modules every app has (models, services and api may be packages).
SKELETON = ["apps", "models", "services", "selectors", "api", "views", "urls", "choices", "demo"]


def configs():
    return list(anju_apps())


def test_every_installed_anju_app_subclasses_the_contract():
    anju = [name for name in settings.INSTALLED_APPS if name.startswith("anju.")]
    assert len(configs()) == len(anju) == 18
    assert all(isinstance(c, AnjuAppConfig) for c in configs())


@pytest.mark.parametrize("config", configs(), ids=lambda c: c.label)
def test_hook_signatures_match_the_base(config):
    for hook in HOOKS:
        ours = inspect.signature(getattr(type(config), hook))
        base = inspect.signature(getattr(AnjuAppConfig, hook))
        assert list(ours.parameters) == list(base.parameters), (config.label, hook)


@pytest.mark.parametrize("config", configs(), ids=lambda c: c.label)
def test_skeleton(config):
    missing = [m for m in SKELETON if find_spec(f"{config.name}.{m}") is None]
    assert not missing, f"{config.label} lacks {missing}"


@pytest.mark.parametrize("config", configs(), ids=lambda c: c.label)
def test_navigation_entries_resolve_and_name_known_permissions(config):
    sections = {s for s, _ in SECTIONS}
    for entry in config.console_nav:
        label, url_name, perm, section = entry
        assert str(label) and section in sections, entry
        assert perm is None or perm in policy.PERMISSIONS, entry
        reverse(url_name)
    for entry in config.portal_nav:
        label, url_name, icon = entry
        assert str(label) and icon, entry
        reverse(url_name)


@pytest.mark.django_db
@pytest.mark.parametrize("config", configs(), ids=lambda c: c.label)
def test_hooks_answer_in_the_shape_core_expects(config, world):
    now = timezone.now()
    today = timezone.localdate()
    ids = [world.community.pk]
    staff = [world.users["agent"].pk, world.users["technician"].pk]
    for who in ("manager", "agent", "outsider"):
        user = world.users[who]
        request = RequestFactory().get("/console/")
        request.user = user
        request.community_id = None
        cards = config.dashboard_cards(request)
        assert isinstance(cards, list)
        for card in cards:
            assert {"title", "value"} <= set(card), card
            assert card.get("tone", "ok") in {"ok", "warn", "bad"}, card
        for hook, subjects in (("community_metrics", ids), ("staff_metrics", staff)):
            metrics = getattr(config, hook)(user, subjects, today - timedelta(days=30), today, now)
            assert isinstance(metrics, list)
            assert all(isinstance(m, Metric) for m in metrics), (hook, metrics)
    for who in ("resident", "tenant", "agent", "outsider"):
        request = RequestFactory().get("/app/")
        request.user = world.users[who]
        sections = config.resident_home(request)
        assert isinstance(sections, list)
        for section in sections:
            assert set(section) == {"order", "title", "template", "context"}, section
            assert isinstance(section["order"], int) and str(section["title"]), section
            assert isinstance(section["context"], dict), section
            get_template(section["template"])
    for who in ("resident", "agent"):
        section = config.personal_data(world.users[who])
        assert section is None or isinstance(section, dict)
        json.dumps(section, cls=DjangoJSONEncoder)  # the export is JSON
