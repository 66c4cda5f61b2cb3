"""Shared setup of the community-life tests: a catalogue, an order worked by the desk, events."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from anju.life import services
from anju.servicedesk import services as servicedesk


def offering(world, **values):
    defaults = {
        "name": "深度保洁",
        "price": Decimal("180.00"),
        "unit": "次",
        "description": "三小时，两名保洁员，含清洁剂",
        "materials_extra": True,
        "published": True,
    }
    return services.save_offering(
        actor=world.users["manager"], community=world.community, **(defaults | values)
    )


def order(world, service=None, hours=24, user="resident"):
    return services.place_order(
        actor=world.users[user],
        offering=service or offering(world),
        house=world.house,
        appointment_at=timezone.now() + timedelta(hours=hours),
        note="两个卧室",
    )


def on_site(world, order):
    """The desk dispatches the technician, who accepts and arrives."""
    tech = world.users["technician"]
    ticket = servicedesk.assign(actor=world.users["agent"], ticket=order.ticket, assignee=tech)
    ticket = servicedesk.accept(actor=tech, ticket=ticket)
    return servicedesk.arrive(actor=tech, ticket=ticket)


def finish(world, order):
    order.refresh_from_db()
    return servicedesk.resolve(
        actor=world.users["technician"], ticket=order.ticket, note="已完成保洁"
    )


def event(world, *, capacity=4, fee=Decimal("0"), days=3, **values):
    start = timezone.now() + timedelta(days=days)
    defaults = {
        "title": "亲子手工课",
        "description": "",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "place": "会所二楼",
        "capacity": capacity,
        "signup_until": start - timedelta(hours=2),
        "fee": fee,
        "max_people_per_house": 4,
    }
    return services.save_event(
        actor=world.users["manager"], community=world.community, **(defaults | values)
    )
