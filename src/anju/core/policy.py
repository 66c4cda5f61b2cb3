"""Which role may do what: the one policy table of Anju.

Permissions are strings ``<app>.<object>.<verb>``. A role's set may hold wildcards
(``"servicedesk.*"``, ``"*"``). Staff hold roles through memberships (optionally limited to
communities); residents hold ``RESIDENT`` for the houses they currently live in. Scoping
(`anju.core.scoping`) uses the same table, so a list, a page and an export agree.
"""

from functools import lru_cache

from .choices import Role

CORE_VIEW = {
    "core.organization.view",
    "core.community.view",
    "core.building.view",
    "core.house.view",
    "core.person.view",
    "core.occupancy.view",
}
CORE_CHANGE = {
    "core.building.change",
    "core.house.change",
    "core.person.change",
    "core.occupancy.change",
    "core.import.run",
}
FIELD_VIEW = {"core.community.view", "core.building.view", "core.house.view"}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.ORG_ADMIN: {"*"},
    Role.MANAGER: CORE_VIEW
    | CORE_CHANGE
    | {
        "core.community.change",
        "core.compare.view",
        "core.person.view_contact",
        "core.person.view_id",
        "core.user.view",
        "core.user.change",
        "core.membership.view",
        "core.audit.view",
        "core.export.run",
        "accounts.claim.review",
        "servicedesk.*",
        "billing.*",
        "governance.*",
        "facilities.*",
        "notices.*",
        "spaces.*",
        "iot.*",
        "staff.*",
        "parking.*",
        "finance.*",
    },
    Role.AGENT: CORE_VIEW
    | CORE_CHANGE
    | {
        "core.person.view_contact",
        "core.audit.view",
        "core.export.run",
        "accounts.claim.review",
        "servicedesk.ticket.view",
        "servicedesk.ticket.create",
        "servicedesk.ticket.dispatch",
        "servicedesk.ticket.work",
        "servicedesk.ticket.return_visit",
        "servicedesk.ticket.close",
        "servicedesk.kpi.view",
        "billing.bill.view",
        "notices.notice.view",
        "notices.notice.manage",
        "notices.survey.view",
        "notices.suggestion.reply",
        "facilities.asset.view",
        "facilities.hazard.view",
        "facilities.hazard.report",
        "spaces.space.view",
        "spaces.booking.view",
        "spaces.booking.manage",
        "spaces.booking.checkin",
        "iot.device.view",
        "iot.alarm.view",
        "parking.lot.view",
        "parking.vehicle.view",
        "parking.pass.view",
        "parking.session.view",
    },
    Role.TECHNICIAN: FIELD_VIEW
    | {
        "iot.device.view",
        "iot.alarm.view",
        "servicedesk.ticket.view",
        "servicedesk.ticket.create",
        "servicedesk.ticket.work",
        "facilities.asset.view",
        "facilities.maintenance.view",
        "facilities.maintenance.work",
        "facilities.inspection.view",
        "facilities.inspection.work",
        "facilities.hazard.view",
        "facilities.hazard.report",
        "facilities.hazard.rectify",
        "notices.notice.view",
    },
    Role.GUARD: FIELD_VIEW
    | {
        "servicedesk.ticket.view",
        "servicedesk.ticket.create",
        "facilities.patrol.view",
        "facilities.patrol.work",
        "facilities.inspection.view",
        "facilities.inspection.work",
        "facilities.hazard.view",
        "facilities.hazard.report",
        "facilities.incident.manage",
        "facilities.asset.view",
        "notices.notice.view",
        "spaces.space.view",
        "spaces.booking.view",
        "spaces.booking.checkin",
        "iot.device.view",
        "iot.alarm.view",
        "parking.lot.view",
        "parking.vehicle.view",
        "parking.pass.view",
        "parking.session.view",
        "parking.session.operate",
    },
    Role.CLEANER: FIELD_VIEW
    | {
        "servicedesk.ticket.view",
        "servicedesk.ticket.create",
        "facilities.inspection.view",
        "facilities.inspection.work",
        "facilities.hazard.view",
        "facilities.hazard.report",
        "notices.notice.view",
    },
    Role.CASHIER: CORE_VIEW
    | {
        "core.person.view_contact",
        "core.export.run",
        "billing.bill.view",
        "billing.payment.view",
        "billing.payment.create",
        "billing.meter.change",
        "billing.collection.view",
        "billing.collection.act",
        "billing.report.view",
        "notices.notice.view",
        "spaces.space.view",
        "spaces.booking.view",
        "spaces.booking.collect",
        "parking.lot.view",
        "parking.vehicle.view",
        "parking.pass.view",
        "parking.session.view",
        "parking.session.collect",
    },
    Role.FINANCE: CORE_VIEW
    | {
        "core.person.view_contact",
        "core.export.run",
        "core.audit.view",
        "billing.*",
        "finance.*",
        "governance.fund.view",
        "governance.fund.manage",
        "governance.income.view",
        "governance.income.manage",
        "governance.disclosure.view",
        "governance.disclosure.publish",
        "notices.notice.view",
        "spaces.space.view",
        "spaces.booking.view",
        "spaces.booking.collect",
    },
    Role.COMMITTEE: {
        "core.organization.view",
        "core.community.view",
        "core.building.view",
        "core.house.view",
        "governance.vote.view",
        "governance.vote.manage",
        "governance.ballot.record",
        "governance.disclosure.view",
        "governance.fund.view",
        "governance.income.view",
        "billing.report.view",
        "notices.notice.view",
        "notices.suggestion.view",
        "notices.meeting.view",
        "spaces.space.view",
    },
}

# What a resident may do, always limited to the houses they currently occupy (and themselves).
RESIDENT_PERMISSIONS = {
    "core.community.view",
    "core.building.view",
    "core.house.view",
    "core.person.view",
    "core.occupancy.view",
    "servicedesk.ticket.view",
    "servicedesk.ticket.create",
    "servicedesk.ticket.resident",
    "billing.bill.view",
    "billing.payment.view",
    "billing.payment.online",
    "governance.vote.view",
    "governance.ballot.cast",
    "governance.disclosure.view",
    "governance.fund.view",
    "notices.notice.view",
    "notices.survey.respond",
    "notices.suggestion.create",
    "notices.meeting.view",
    "spaces.space.view",
    "spaces.booking.view",
    "spaces.booking.create",
}


# Every permission the code names (viewsets, permission checks, views, services, templates):
# the catalogue tests/test_policy_walk.py holds the code and the role table to. A new permission
# is added here and granted in the table above in the same change.
PERMISSIONS: frozenset[str] = frozenset(
    {
        "accounts.claim.review",
        "core.audit.view",
        "core.building.change",
        "core.building.view",
        "core.community.change",
        "core.community.view",
        "core.compare.view",
        "core.export.run",
        "core.house.change",
        "core.house.view",
        "core.import.run",
        "core.membership.change",
        "core.membership.view",
        "core.occupancy.change",
        "core.occupancy.view",
        "core.organization.view",
        "core.person.change",
        "core.person.view",
        "core.person.view_contact",
        "core.person.view_id",
        "core.user.change",
        "core.user.password_set",
        "core.user.view",
        "servicedesk.complaint.respond",
        "servicedesk.kpi.view",
        "servicedesk.roster.manage",
        "servicedesk.skills.set",
        "servicedesk.sla.manage",
        "servicedesk.sla.set",
        "servicedesk.ticket.close",
        "servicedesk.ticket.create",
        "servicedesk.ticket.dispatch",
        "servicedesk.ticket.resident",
        "servicedesk.ticket.return_visit",
        "servicedesk.ticket.view",
        "servicedesk.ticket.work",
        "billing.bill.credit",
        "billing.bill.one_off",
        "billing.bill.view",
        "billing.collection.act",
        "billing.collection.view",
        "billing.feeitem.view",
        "billing.latecharge.waive",
        "billing.meter.change",
        "billing.payment.amount_mismatch",
        "billing.payment.create",
        "billing.payment.online",
        "billing.payment.view",
        "billing.refund.create",
        "billing.report.view",
        "billing.run.change",
        "billing.run.post",
        "billing.run.preview",
        "billing.run.view",
        "governance.ballot.cast",
        "governance.ballot.record",
        "governance.disclosure.publish",
        "governance.disclosure.view",
        "governance.fund.manage",
        "governance.fund.topped_up",
        "governance.fund.view",
        "governance.income.manage",
        "governance.income.view",
        "governance.vote.manage",
        "governance.vote.view",
        "facilities.asset.manage",
        "facilities.asset.view",
        "facilities.drill.follow_up_done",
        "facilities.drill.held",
        "facilities.drill.manage",
        "facilities.drill.view",
        "facilities.hazard.rectify",
        "facilities.hazard.report",
        "facilities.hazard.verify",
        "facilities.hazard.view",
        "facilities.incident.manage",
        "facilities.inspection.checked_in",
        "facilities.inspection.manage",
        "facilities.inspection.view",
        "facilities.inspection.work",
        "facilities.maintenance.manage",
        "facilities.maintenance.view",
        "facilities.maintenance.work",
        "facilities.patrol.manage",
        "facilities.patrol.view",
        "facilities.patrol.work",
        "facilities.task.overdue",
        "notices.meeting.manage",
        "notices.meeting.minutes",
        "notices.meeting.view",
        "notices.notice.manage",
        "notices.notice.resent",
        "notices.notice.view",
        "notices.reminder.manage",
        "notices.reminder.view",
        "notices.suggestion.create",
        "notices.suggestion.reply",
        "notices.suggestion.view",
        "notices.survey.manage",
        "notices.survey.respond",
        "notices.survey.view",
        "spaces.booking.cancel",
        "spaces.booking.checkin",
        "spaces.booking.collect",
        "spaces.booking.create",
        "spaces.booking.manage",
        "spaces.booking.view",
        "spaces.space.manage",
        "spaces.space.view",
        "iot.alarm.view",
        "iot.device.manage",
        "iot.device.view",
        "staff.evaluation.manage",
        "staff.evaluation.view",
        "staff.performance.view",
        "parking.lot.manage",
        "parking.lot.view",
        "parking.pass.manage",
        "parking.pass.view",
        "parking.session.collect",
        "parking.session.operate",
        "parking.session.view",
        "parking.vehicle.manage",
        "parking.vehicle.view",
        "finance.opening.change",
        "finance.opening.view",
        "finance.voucher.view",
        "finance.voucher.change",
        "finance.bank.view",
        "finance.bank.change",
    }
)


def _matches(granted: str, perm: str) -> bool:
    if granted == "*" or granted == perm:
        return True
    return granted.endswith(".*") and perm.startswith(granted[:-1])


@lru_cache(maxsize=4096)
def role_has(role: str, perm: str) -> bool:
    grants = RESIDENT_PERMISSIONS if role == "resident" else ROLE_PERMISSIONS.get(role, ())
    return any(_matches(granted, perm) for granted in grants)


def user_has(user, perm: str, community_id=None, organization_id=None) -> bool:
    """True if ``user`` holds ``perm`` as staff or resident, in ``community_id`` or
    ``organization_id`` when given."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    for membership in user.active_memberships():
        if not role_has(membership.role, perm):
            continue
        if organization_id is not None and membership.organization_id != organization_id:
            continue
        if community_id is None:
            return True
        if membership.covers_community(community_id):
            return True
    if user.person_id and role_has("resident", perm):
        return community_id is None or community_id in user.resident_community_ids()
    return False


def staff_has(user, perm: str, community_id=None, organization_id=None) -> bool:
    """Like user_has, but only through staff memberships (never as a resident)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(
        role_has(m.role, perm)
        and (organization_id is None or m.organization_id == organization_id)
        and (community_id is None or m.covers_community(community_id))
        for m in user.active_memberships()
    )
