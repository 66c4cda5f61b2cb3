"""The people services: employees and licences, attendance, training, retention and
suggestions. Callers import this package, never a submodule."""

from .attendance import clock, decide_correction, request_correction, set_site
from .employees import (
    add_certificate,
    adopt_suggested_requirements,
    alert_expiring,
    hire,
    require_licence,
    separate,
    tick_onboarding,
    update_certificate,
    update_employee,
)
from .growth import (
    answer_suggestion,
    complete_suggestion,
    create_course,
    follow_up_done,
    hold_session,
    quiz_score,
    record_attendance,
    record_care_talk,
    record_exit_interview,
    submit_suggestion,
)
from .reviews import acknowledge_review, record_review

__all__ = [
    "acknowledge_review",
    "record_review",
    "add_certificate",
    "adopt_suggested_requirements",
    "alert_expiring",
    "answer_suggestion",
    "clock",
    "complete_suggestion",
    "create_course",
    "decide_correction",
    "follow_up_done",
    "hire",
    "hold_session",
    "quiz_score",
    "record_attendance",
    "record_care_talk",
    "record_exit_interview",
    "request_correction",
    "require_licence",
    "separate",
    "set_site",
    "submit_suggestion",
    "tick_onboarding",
    "update_certificate",
    "update_employee",
]
