"""The first-responder rule is written once: ``default_first_responder``'s one statement (what
every intake runs) answers what ``first_responder_by_rule`` (the ORM's on_duty and members)
answers, in every roster situation, for every community."""

from datetime import timedelta

import pytest
from django.utils import timezone

from anju.core.models import Community, Membership
from anju.servicedesk import services
from anju.servicedesk.models import DutyShift

pytestmark = pytest.mark.django_db


def _shift(world, user, role, community=None, *, start=-1, hours=8):
    community = community or world.community
    now = timezone.now()
    return DutyShift.objects.create(
        organization_id=community.organization_id,
        community=community,
        user=user,
        role=role,
        starts_at=now + timedelta(hours=start),
        ends_at=now + timedelta(hours=start + hours),
    )


def _agree(now=None):
    now = now or timezone.now()
    answers = {}
    for community in Community.objects.all():
        rule = services.first_responder_by_rule(community, now)
        assert services.default_first_responder(community, now) == rule, community
        answers[community.pk] = rule
    return answers


def test_the_one_statement_answers_as_the_rule(world):
    users = world.users
    assert _agree()[world.community.pk] == users["agent"]  # no roster: the community's agent
    _shift(world, users["manager"], "manager")
    assert _agree()[world.community.pk] == users["manager"]  # the manager on duty
    _shift(world, users["technician"], "technician")  # a technician on duty changes nothing
    _shift(world, users["agent"], "agent", start=2)  # nor a shift that has not begun
    assert _agree()[world.community.pk] == users["manager"]
    _shift(world, users["agent"], "agent", start=-3, hours=2)  # nor one that has ended
    assert _agree()[world.community.pk] == users["manager"]
    _shift(world, users["agent"], "agent", world.community2)  # nor one elsewhere
    assert _agree()[world.community.pk] == users["manager"]
    _shift(world, users["agent"], "agent")
    assert _agree()[world.community.pk] == users["agent"]  # the agent on duty first
    users["agent"].is_active = False
    users["agent"].save(update_fields=["is_active"])
    assert _agree()[world.community.pk] == users["manager"]  # active logins only
    DutyShift.objects.all().delete()
    Membership.objects.filter(user=users["manager"]).update(active=False)
    _agree()  # no agent, no manager on duty: the longest-serving manager, or nobody
    Membership.objects.filter(role__in=["agent", "manager"]).update(active=False)
    assert _agree()[world.community.pk] is None
