from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from anju.facilities import services

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def frozen():
    """The clock stands still at 2026-11-26 09:00 Shanghai; move it with ``frozen.move_to``."""
    with time_machine.travel(at(2026, 11, 26, 9, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def fac(world, frozen):
    manager = world.users["manager"]
    lift = services.create_asset(
        actor=manager,
        community=world.community,
        name="1幢1单元客梯",
        category="elevator",
        code="DT-01",
        building=world.building,
        maker="奥的斯",
        model_number="GeN2",
        installed_on=date(2019, 6, 1),
        expected_life_years=15,
        contractor="杭州奥的斯电梯维保有限公司",
    )
    lift2 = services.create_asset(
        actor=manager,
        community=world.community,
        name="1幢2单元客梯",
        category="elevator",
        code="DT-02",
        building=world.building,
    )
    pump = services.create_asset(
        actor=manager,
        community=world.community,
        name="生活水泵",
        category="water_pump",
        code="SB-01",
        place="地下泵房",
    )
    other = services.create_asset(
        actor=world.users["outsider"],
        community=world.other_community,
        name="乙电梯",
        category="elevator",
        code="DT-01",
    )
    return SimpleNamespace(
        lift=lift,
        lift2=lift2,
        pump=pump,
        other=other,
        manager=manager,
        tech=world.users["technician"],
        guard=world.users["guard"],
    )


def tickets_for(source):
    from anju.servicedesk.models import Ticket

    return Ticket.objects.for_source(source)
