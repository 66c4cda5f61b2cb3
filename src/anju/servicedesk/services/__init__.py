"""Service-desk writes, one module per subdomain and all re-exported here. Every change of a
ticket goes through these functions: locked, re-checked, audited, written to the ticket's
timeline and told to the first responder (首问责任人, the rule is in ``people``).

``intake`` opens tickets; ``dispatch`` assigns them; ``work`` is the technician's part and the
clock; ``closing`` the resident's and the desk's end; ``return_visits``, ``escalation``, ``sla``
and ``roster`` (skills, duty shifts) the rest. ``common`` holds what they share.
"""

from .closing import (
    cancel,
    close,
    confirm,
    rate,
    reopen,
    respond_to_complaint,
)
from .common import (
    ticket_link,
)
from .dispatch import (
    accept,
    assign,
    decline,
    transfer,
)
from .escalation import (
    ESCALATION_LEVELS,
    MANUAL_STEP,
    escalate,
    escalate_overdue,
    escalation_recipients,
)
from .intake import (
    create_ticket,
    find_caller,
    open_ticket,
    ticket_for_source,
    ticket_row,
)
from .people import (
    community_managers,
    company_admins,
    default_first_responder,
    dispatch_candidates,
    first_responder_by_rule,
    intake_terms,
    members,
    on_duty,
    open_load,
)
from .return_visits import (
    open_due_return_visits,
    record_return_visit,
)
from .roster import (
    DUTY_PERMS,
    MAX_SHIFT,
    add_duty_shift,
    add_staff_skill,
    change_duty_shift,
    change_staff_skill,
    copy_duty_week,
    remove_duty_shift,
    remove_staff_skill,
    set_skills,
)
from .sla import (
    set_sla_policy,
    sla_for,
    triage_priority,
)
from .work import (
    add_note,
    add_work_item,
    arrive,
    resolve,
    resume,
    set_appointment,
    triage,
    wait_for_resident,
)

__all__ = [
    "DUTY_PERMS",
    "ESCALATION_LEVELS",
    "MANUAL_STEP",
    "MAX_SHIFT",
    "accept",
    "add_duty_shift",
    "add_note",
    "add_staff_skill",
    "add_work_item",
    "arrive",
    "assign",
    "cancel",
    "change_duty_shift",
    "change_staff_skill",
    "close",
    "community_managers",
    "company_admins",
    "confirm",
    "copy_duty_week",
    "create_ticket",
    "decline",
    "default_first_responder",
    "first_responder_by_rule",
    "dispatch_candidates",
    "escalate",
    "escalate_overdue",
    "escalation_recipients",
    "find_caller",
    "intake_terms",
    "members",
    "on_duty",
    "open_due_return_visits",
    "open_load",
    "open_ticket",
    "ticket_row",
    "rate",
    "record_return_visit",
    "remove_duty_shift",
    "remove_staff_skill",
    "reopen",
    "resolve",
    "respond_to_complaint",
    "resume",
    "set_appointment",
    "set_skills",
    "set_sla_policy",
    "sla_for",
    "ticket_for_source",
    "ticket_link",
    "transfer",
    "triage",
    "triage_priority",
    "wait_for_resident",
]
