from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role


class PeopleConfig(AnjuAppConfig):
    name = "anju.people"
    label = "people"
    verbose_name = _("People: records, licences, attendance, training")

    console_nav = [
        (_("Clock in"), "console:people-clock", None, "staff"),
        (_("My licences"), "console:people-my-licences", None, "staff"),
        (_("Employees"), "console:people-employee-list", "people.employee.view", "staff"),
        (_("Licences"), "console:people-certificate-list", "people.certificate.view", "staff"),
        (
            _("Licence requirements"),
            "console:people-requirements",
            "people.certificate.view",
            "staff",
        ),
        (_("Courses"), "console:people-course-list", "people.training.view", "staff"),
        (_("Attendance sheet"), "console:people-sheet", "people.attendance.view", "staff"),
        (
            _("Clock corrections"),
            "console:people-corrections",
            "people.attendance.manage",
            "staff",
        ),
        (_("Staff retention"), "console:people-retention", "people.retention.view", "staff"),
        (_("Staff suggestions"), "console:people-suggestions", None, "staff"),
        (_("Manager reviews"), "console:people-review-list", "people.review.view", "staff"),
        (_("My quarterly reviews"), "console:people-my-reviews", "people.review.view", "staff"),
    ]
    role_work = {
        Role.TECHNICIAN: ["console:people-clock"],
        Role.GUARD: ["console:people-clock"],
        Role.CLEANER: ["console:people-clock"],
        Role.MANAGER: ["console:people-corrections"],
    }
    audit_labels = {
        "people.employee.hired": _("Employee hired"),
        "people.employee.changed": _("Employee record changed"),
        "people.employee.separated": _("Employee left"),
        "people.onboarding.ticked": _("Onboarding item done"),
        "people.certificate.added": _("Licence added"),
        "people.certificate.changed": _("Licence changed"),
        "people.certificate.alerted": _("Licence expiry alert sent"),
        "people.requirement.added": _("Licence required for work"),
        "people.site.set": _("Clock-in place set"),
        "people.clock.recorded": _("Clocked"),
        "people.correction.requested": _("Clock correction requested"),
        "people.correction.approved": _("Clock correction approved"),
        "people.correction.rejected": _("Clock correction rejected"),
        "people.course.created": _("Course created"),
        "people.session.held": _("Training session held"),
        "people.session.attended": _("Training attendance recorded"),
        "people.exit_interview.recorded": _("Exit interview recorded"),
        "people.care_talk.recorded": _("Care talk recorded"),
        "people.care_talk.followed_up": _("Care talk followed up"),
        "people.suggestion.submitted": _("Staff suggestion submitted"),
        "people.suggestion.answered": _("Staff suggestion answered"),
        "people.suggestion.done": _("Staff suggestion done"),
        "people.review.recorded": _("Quarterly review recorded"),
        "people.review.revised": _("Quarterly review revised"),
        "people.review.acknowledged": _("Quarterly review acknowledged"),
    }

    def assignment_refusals(self, user_ids, work):
        from .selectors import refusals

        return refusals(user_ids, work)

    def community_metrics(self, user, community_ids, start, end, now):
        from anju.core import policy
        from anju.core.comparison import Metric

        from .selectors import turnover_by_community

        if not policy.staff_has(user, "people.retention.view"):
            return []
        values = turnover_by_community(user, community_ids, start, end)
        return [
            Metric(
                "turnover",
                _("Staff turnover"),
                "%",
                "low",
                {pk: (None if v is None else float(v)) for pk, v in values.items()},
                _("Staff"),
            )
        ]

    def dashboard_cards(self, request):
        from anju.core import policy

        from . import selectors

        user = request.user
        cards = []
        mine = [r for r in selectors.my_licences(user) if r["tone"] != "ok"]
        if mine:
            cards.append(
                {
                    "title": _("My licences expiring"),
                    "value": len(mine),
                    "link": "/console/people/my-licences/",
                    "tone": "bad" if any(r["tone"] == "bad" for r in mine) else "warn",
                    "note": "",
                }
            )
        reviews = selectors.reviews_to_acknowledge(user).count()
        if reviews:
            cards.append(
                {
                    "title": _("Quarterly reviews to acknowledge"),
                    "value": reviews,
                    "link": "/console/people/my-reviews/?status=recorded",
                    "tone": "warn",
                    "note": "",
                }
            )
        if policy.staff_has(user, "people.attendance.manage"):
            waiting = selectors.pending_corrections(user).count()
            if waiting:
                cards.append(
                    {
                        "title": _("Clock corrections to decide"),
                        "value": waiting,
                        "link": "/console/people/corrections/",
                        "tone": "warn",
                        "note": "",
                    }
                )
        return cards

    def personal_data(self, user):
        from . import selectors

        employee = selectors.employee_of(user)
        if employee is None:
            return None
        return {
            "employee": {
                "name": employee.name,
                "position": employee.position,
                "community": employee.community.name,
                "hire_date": employee.hire_date,
                "probation_end": employee.probation_end,
                "emergency_contact": employee.emergency_contact,
            },
            "certificates": [
                {"kind": c.kind, "number": c.number, "expires_on": c.expires_on}
                for c in employee.certificates.all()
            ],
            "clocks": [
                {"kind": c.kind, "at": c.at, "method": c.method}
                for c in employee.clocks.order_by("-at")[:500]
            ],
        }
