"""Service-desk numbers as settings: category defaults, SLA templates per service level,
escalation steps. Every value can be set from the environment (``ANJU_SERVICEDESK_*``, anju/domain_settings.py)
and the SLA per community and priority by an ``SlaPolicy`` row (data beats settings).

SLA defaults follow DOMAIN.md §5 (中国物业管理协会《普通住宅小区物业管理服务等级标准（试行）》):
level 一 急修 arrival within 30 minutes, level 二 within 1 hour; level 三 "at the agreed time"
(we use 2 hours for emergencies). Accept and resolve targets and the P2-P4 figures are not in
the standard: they are our defaults, meant to be agreed in the service contract.
"""

from django.conf import settings

from .choices import Category, Priority, Skill

# category -> (default priority, skill that works it)
DEFAULT_CATEGORIES = {
    Category.WATER: (Priority.P2, Skill.PLUMBING),
    Category.ELECTRICITY: (Priority.P2, Skill.ELECTRICAL),
    Category.GAS: (Priority.P1, Skill.GAS),
    Category.ELEVATOR: (Priority.P2, Skill.ELEVATOR),
    Category.DOOR: (Priority.P3, Skill.CARPENTRY),
    Category.ROOF_LEAK: (Priority.P2, Skill.BUILDING),
    Category.CLEANING: (Priority.P3, Skill.CLEANING),
    Category.GREENING: (Priority.P4, Skill.GREENING),
    Category.NOISE: (Priority.P3, Skill.SECURITY),
    Category.PARKING: (Priority.P3, Skill.SECURITY),
    Category.SECURITY: (Priority.P2, Skill.SECURITY),
    Category.NEIGHBOUR: (Priority.P3, Skill.SERVICE),
    Category.FEES: (Priority.P4, Skill.SERVICE),
    Category.HOME_SERVICE: (Priority.P3, ""),  # any technician: the service says the trade
    Category.OTHER: (Priority.P3, Skill.SERVICE),
}

# service level -> priority -> (accept, arrive, resolve) in minutes
DEFAULT_SLA = {
    1: {
        "P1": (10, 30, 240),
        "P2": (30, 120, 1440),
        "P3": (120, 1440, 4320),
        "P4": (480, 4320, 10080),
    },
    2: {
        "P1": (15, 60, 480),
        "P2": (60, 240, 2880),
        "P3": (240, 2880, 5760),
        "P4": (720, 5760, 14400),
    },
    3: {
        "P1": (30, 120, 720),
        "P2": (120, 480, 4320),
        "P3": (480, 4320, 10080),
        "P4": (1440, 10080, 20160),
    },
}

# Escalation steps and the return-visit delay are plain settings (anju/domain_settings.py):
# ANJU_SERVICEDESK_ESCALATION_MINUTES, ANJU_SERVICEDESK_RETURN_VISIT_HOURS.

# Non-repair kinds (inquiry, suggestion, praise, complaint) use this priority unless triaged.
DEFAULT_NON_REPAIR_PRIORITY = Priority.P3


def categories() -> dict:
    merged = dict(DEFAULT_CATEGORIES)
    for code, value in settings.ANJU_SERVICEDESK_CATEGORIES.items():
        merged[code] = tuple(value)
    return merged


def category_defaults(code):
    return categories().get(code, DEFAULT_CATEGORIES[Category.OTHER])


def sla_minutes(service_level: int, priority: str) -> tuple[int, int, int]:
    # JSON from the environment has string keys ("1"); settings written in Python, integers
    table = {int(k): v for k, v in settings.ANJU_SERVICEDESK_SLA.items()} or DEFAULT_SLA
    level = table.get(service_level) or table.get(1) or DEFAULT_SLA[1]
    return tuple(level.get(priority) or DEFAULT_SLA[1][priority])


def escalation_minutes() -> tuple[int, ...]:
    return tuple(settings.ANJU_SERVICEDESK_ESCALATION_MINUTES)


def return_visit_hours() -> int:
    return settings.ANJU_SERVICEDESK_RETURN_VISIT_HOURS
