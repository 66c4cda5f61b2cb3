"""People records (员工档案) apart from logins, their licences (持证上岗), attendance (考勤),
training (培训), retention (拴心留人: exit interviews, care talks) and staff suggestions
(合理化建议)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.core import attachments
from anju.core.crypto import EncryptedTextField, blind_index
from anju.core.models import Community, Organization
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine
from anju.staff.choices import EvaluationStatus

from .choices import (
    CertificateKind,
    ClockKind,
    ClockMethod,
    CorrectionStatus,
    CourseTopic,
    Employment,
    Position,
    SeparationReason,
    SuggestionStatus,
    WorkKind,
)

USER = settings.AUTH_USER_MODEL
EMPLOYEE_SCOPE = Scope(organization="organization", community="employee__community")


class Employee(models.Model):
    """员工档案: the person behind a login (or with none), with the minimum personal data."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    user = models.OneToOneField(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
        verbose_name=_("login"),
    )
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True, default="")
    id_number_index = models.CharField(max_length=64, blank=True, default="", editable=False)
    position = models.CharField(_("position"), max_length=12, choices=Position.choices)
    employment = models.CharField(
        _("employment"), max_length=12, choices=Employment.choices, default=Employment.OWN
    )
    contractor = models.CharField(_("contractor"), max_length=100, blank=True)
    hire_date = models.DateField(_("hire date"))
    probation_end = models.DateField(_("end of probation"), null=True, blank=True)
    emergency_contact = models.CharField(_("emergency contact"), max_length=60, blank=True)
    emergency_phone = models.CharField(_("emergency phone"), max_length=20, blank=True)
    separated_on = models.DateField(_("left on"), null=True, blank=True)
    separation_reason = models.CharField(
        _("reason for leaving"), max_length=16, choices=SeparationReason.choices, blank=True
    )
    separation_note = models.TextField(_("note on leaving"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["community_id", "name"]
        indexes = [
            models.Index(fields=["community", "separated_on"], name="employee_comm_left"),
            models.Index(fields=["organization", "hire_date"], name="employee_org_hired"),
            models.Index(fields=["position"], name="employee_position"),
            models.Index(fields=["id_number_index"], name="employee_id_index"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(probation_end__isnull=True)
                | Q(probation_end__gte=models.F("hire_date")),
                name="employee_probation_after_hire",
            ),
            models.CheckConstraint(
                condition=Q(separated_on__isnull=True) | Q(separated_on__gte=models.F("hire_date")),
                name="employee_left_after_hire",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.id_number_index = blind_index(self.id_number) if self.id_number else ""
        super().save(*args, **kwargs)


class Certificate(models.Model):
    """A licence (证书) one employee holds, with its scan."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("employee")
    )
    kind = models.CharField(_("licence"), max_length=20, choices=CertificateKind.choices)
    number = models.CharField(_("certificate number"), max_length=60)
    issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    alerted = models.JSONField(_("expiry alerts sent"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    attachments = attachments.relation()
    attachments_view_permission = "people.certificate.view"

    objects = ScopedManager()
    scope = EMPLOYEE_SCOPE

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["expires_on", "id"]
        indexes = [
            models.Index(fields=["kind", "expires_on"], name="certificate_kind_expiry"),
            models.Index(fields=["employee", "kind"], name="certificate_employee_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("issued_on")),
                name="certificate_expires_after_issue",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


class LicenceRequirement(models.Model):
    """This company's work of ``work`` / ``key`` needs a valid licence of ``kind``."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    work = models.CharField(_("work"), max_length=24, choices=WorkKind.choices)
    key = models.CharField(_("category"), max_length=24)
    kind = models.CharField(_("licence"), max_length=20, choices=CertificateKind.choices)

    objects = ScopedManager()
    scope = Scope(organization="organization")

    class Meta:
        verbose_name = _("licence requirement")
        verbose_name_plural = _("licence requirements")
        ordering = ["work", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "work", "key", "kind"], name="licence_requirement_once"
            )
        ]

    def __str__(self):
        return f"{self.work}:{self.key} → {self.kind}"


class AttendanceSite(models.Model):
    """Where a community's staff clock in: the geofence (centre and radius) and the office QR."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.OneToOneField(
        Community,
        on_delete=models.CASCADE,
        related_name="attendance_site",
        verbose_name=_("community"),
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    radius_m = models.PositiveIntegerField(
        _("radius (m)"), validators=[MinValueValidator(20), MaxValueValidator(5000)]
    )
    qr_token = models.CharField(_("office QR code"), max_length=40, unique=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("attendance site")
        verbose_name_plural = _("attendance sites")

    def __str__(self):
        return str(self.community)


class ClockRecord(models.Model):
    """打卡: one clock-in or -out (never changed; a correction adds one)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="clocks", verbose_name=_("employee")
    )
    kind = models.CharField(_("clock"), max_length=4, choices=ClockKind.choices)
    at = models.DateTimeField(_("time"))
    method = models.CharField(_("by"), max_length=12, choices=ClockMethod.choices)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance (m)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("clock record")
        verbose_name_plural = _("clock records")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["employee", "at"], name="clock_employee_at"),
            models.Index(fields=["community", "at"], name="clock_community_at"),
        ]

    def __str__(self):
        return f"{self.employee} {self.kind} {self.at:%Y-%m-%d %H:%M}"


CORRECTION_STATES = StateMachine(
    {
        "approve": ((CorrectionStatus.PENDING,), CorrectionStatus.APPROVED),
        "reject": ((CorrectionStatus.PENDING,), CorrectionStatus.REJECTED),
    }
)


class Correction(models.Model):
    """补卡: a missing clock asked for by the person, approved or rejected by the manager."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("employee")
    )
    kind = models.CharField(_("clock"), max_length=4, choices=ClockKind.choices)
    at = models.DateTimeField(_("time"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CorrectionStatus.choices,
        default=CorrectionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    record = models.OneToOneField(
        ClockRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="correction"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    machine = CORRECTION_STATES

    class Meta:
        verbose_name = _("clock correction")
        verbose_name_plural = _("clock corrections")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["community", "status"], name="correction_comm_status")]

    def __str__(self):
        return f"{self.employee} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Course(models.Model):
    """培训课程, with its short quiz and the positions that take it every year."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=100)
    topic = models.CharField(_("topic"), max_length=12, choices=CourseTopic.choices)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (of 100)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # [{"question": str, "options": [str, ...], "answer": index}, ...]
    quiz = models.JSONField(_("quiz"), default=list, blank=True)
    yearly_for = models.JSONField(_("required every year for"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization")

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["topic", "title"]
        indexes = [models.Index(fields=["organization", "topic"], name="course_org_topic")]

    def __str__(self):
        return self.title


class TrainingSession(models.Model):
    """One session of a course in a community, with who attended and their quiz scores."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course")
    )
    held_on = models.DateField(_("held on"))
    trainer = models.CharField(_("trainer"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["community", "held_on"], name="session_comm_held")]

    def __str__(self):
        return f"{self.course} {self.held_on}"


class SessionAttendance(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendance"
    )
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="trainings")
    score = models.PositiveSmallIntegerField(_("quiz score"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="session__community")

    class Meta:
        verbose_name = _("attendance of a session")
        verbose_name_plural = _("attendance of sessions")
        constraints = [
            models.UniqueConstraint(fields=["session", "employee"], name="session_attended_once")
        ]

    def __str__(self):
        return f"{self.employee_id} @ {self.session_id}"


class OnboardingTick(models.Model):
    """入司教育: one item of a new hire's onboarding, ticked off by the manager."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="onboarding")
    item = models.CharField(_("item"), max_length=12)
    done_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(_("done at"), auto_now_add=True)

    objects = ScopedManager()
    scope = EMPLOYEE_SCOPE

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employee", "item"], name="onboarding_item_once")
        ]

    def __str__(self):
        return f"{self.employee_id} {self.item}"


class ExitInterview(models.Model):
    """离职面谈: why a person left, heard by the manager."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    employee = models.OneToOneField(
        Employee, on_delete=models.CASCADE, related_name="exit_interview"
    )
    reasons = models.JSONField(_("reasons"), default=list)
    would_return = models.BooleanField(_("would come back"), default=False)
    note = models.TextField(_("what was said"), blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("held on"))

    objects = ScopedManager()
    scope = EMPLOYEE_SCOPE

    class Meta:
        verbose_name = _("exit interview")
        verbose_name_plural = _("exit interviews")

    def __str__(self):
        return f"{self.employee_id} {self.held_on}"


class CareTalk(models.Model):
    """谈心: a manager's talk with a person, and what was promised to follow up."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="care_talks")
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("held on"))
    notes = models.TextField(_("what was said"))
    follow_up = models.TextField(_("follow-up"), blank=True)
    follow_up_due = models.DateField(_("follow up by"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)

    objects = ScopedManager()
    scope = EMPLOYEE_SCOPE

    class Meta:
        verbose_name = _("care talk")
        verbose_name_plural = _("care talks")
        ordering = ["-held_on"]
        indexes = [models.Index(fields=["employee", "held_on"], name="caretalk_emp_held")]

    def __str__(self):
        return f"{self.employee_id} {self.held_on}"


SUGGESTION_STATES = StateMachine(
    {
        "adopt": ((SuggestionStatus.SUBMITTED,), SuggestionStatus.ADOPTED),
        "decline": ((SuggestionStatus.SUBMITTED,), SuggestionStatus.DECLINED),
        "complete": ((SuggestionStatus.ADOPTED,), SuggestionStatus.DONE),
    }
)


class StaffSuggestion(models.Model):
    """合理化建议: an idea from any employee, answered by the manager, tracked to done."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    author = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("idea"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.SUBMITTED,
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reward = models.DecimalField(
        _("reward (¥)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    machine = SUGGESTION_STATES

    class Meta:
        verbose_name = _("staff suggestion")
        verbose_name_plural = _("staff suggestions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["community", "status"], name="staffsugg_comm_status")]

    def __str__(self):
        return self.title


REVIEW_STATES = StateMachine(
    {
        "revise": ((EvaluationStatus.RECORDED,), EvaluationStatus.RECORDED),
        "acknowledge": ((EvaluationStatus.RECORDED,), EvaluationStatus.ACKNOWLEDGED),
    }
)
REVIEW_DIMENSIONS = ("leadership", "service", "safety", "team")
SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class ManagerReview(models.Model):
    """主任季度考核: the company's quarterly scores of a community manager, with the community's
    measures of the quarter kept beside them; acknowledged by the manager as the monthly
    evaluation (staff) is: revised until acknowledged, then fixed."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    manager = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("community manager")
    )
    quarter = models.CharField(_("quarter"), max_length=7)  # YYYY-Qn
    leadership = models.PositiveSmallIntegerField(_("leadership"), validators=SCORE)
    service = models.PositiveSmallIntegerField(_("service to residents"), validators=SCORE)
    safety = models.PositiveSmallIntegerField(_("safety"), validators=SCORE)
    team = models.PositiveSmallIntegerField(_("team care"), validators=SCORE)
    score = models.PositiveSmallIntegerField(_("score (of 100)"))
    measures = models.JSONField(_("measures of the quarter"), default=list, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=EvaluationStatus.choices,
        default=EvaluationStatus.RECORDED,
    )
    evaluator = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    machine = REVIEW_STATES

    class Meta:
        verbose_name = _("quarterly review of a manager")
        verbose_name_plural = _("quarterly reviews of managers")
        ordering = ["-quarter", "community_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["manager", "community", "quarter"], name="manager_review_once"
            )
        ]
        indexes = [models.Index(fields=["community", "quarter"], name="review_comm_quarter")]

    def __str__(self):
        return f"{self.manager} {self.quarter}"
