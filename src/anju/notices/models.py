"""Notices (通知/公告), warm reminders (温馨提示), satisfaction surveys (满意度调查) and the
residents' voice: suggestions (意见箱) and meetings with residents (座谈会)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.core import attachments, policy
from anju.core.models import Building, Community, Entrance, House, Organization, Person
from anju.core.scoping import Scope, ScopedManager, scope_q
from anju.core.states import StateMachine

from .calendar import Holiday, MakeupWorkday, SolarTerm  # noqa: F401 (re-exported)
from .choices import (
    ActionStatus,
    AudienceKind,
    AudienceScope,
    Dimension,
    MeetingStatus,
    NoticeKind,
    NoticeStatus,
    ProposalStatus,
    QuestionKind,
    SuggestionStatus,
    SurveyAudience,
    SurveyStatus,
    TriggerKind,
)

USER = settings.AUTH_USER_MODEL


def _org():
    return models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")


def _community(null=False):
    return models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="+",
        null=null,
        blank=null,
        verbose_name=_("community"),
    )


# Notices ------------------------------------------------------------------------------------

NOTICE_STATES = StateMachine(
    {
        "schedule": ((NoticeStatus.DRAFT,), NoticeStatus.SCHEDULED),
        "unschedule": ((NoticeStatus.SCHEDULED,), NoticeStatus.DRAFT),
        "publish": ((NoticeStatus.DRAFT, NoticeStatus.SCHEDULED), NoticeStatus.PUBLISHED),
        "archive": ((NoticeStatus.PUBLISHED,), NoticeStatus.ARCHIVED),
        "edit": ((NoticeStatus.DRAFT, NoticeStatus.SCHEDULED), None),
        "resend": ((NoticeStatus.PUBLISHED,), None),
    }
)


class Notice(models.Model):
    """通知/公告: a notice to residents or staff, from draft to archive."""

    organization = _org()
    community = _community(null=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=NoticeKind.choices, default=NoticeKind.NOTICE
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    urgent = models.BooleanField(_("urgent"), default=False)
    audience_scope = models.CharField(
        _("audience"), max_length=12, choices=AudienceScope.choices, default=AudienceScope.COMMUNITY
    )
    audience_kind = models.CharField(
        _("recipients"), max_length=10, choices=AudienceKind.choices, default=AudienceKind.RESIDENTS
    )
    relations = models.JSONField(
        _("resident relations"),
        default=list,
        blank=True,
        help_text=_('Empty means every current occupant; e.g. ["owner", "co_owner"].'),
    )
    staff_roles = models.JSONField(
        _("staff roles"), default=list, blank=True, help_text=_("Empty means every staff role.")
    )
    buildings = models.ManyToManyField(
        Building, blank=True, related_name="+", verbose_name=_("buildings")
    )
    entrances = models.ManyToManyField(
        Entrance, blank=True, related_name="+", verbose_name=_("entrances")
    )
    houses = models.ManyToManyField(House, blank=True, related_name="+", verbose_name=_("houses"))
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    published_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    attachments = attachments.relation()

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    attachments_view_permission = "notices.notice.view"
    machine = NOTICE_STATES

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-pinned", "-published_at", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "kind"], name="notice_comm_status"),
            models.Index(fields=["status", "publish_at"], name="notice_due"),
            models.Index(fields=["organization", "status"], name="notice_org_status"),
        ]

    def __str__(self):
        return self.title

    @classmethod
    def readable_by(cls, user, perm="notices.notice.view"):
        """The notices ``user`` may read: staff those in their scope (drafts only with the right
        to manage them), anyone the notices they received (``selectors.readable_notices``)."""
        q = scope_q(cls, user, perm)
        if q is not None and not policy.staff_has(user, "notices.notice.manage"):
            q &= Q(status__in=[NoticeStatus.PUBLISHED, NoticeStatus.ARCHIVED])
        if q is not None:
            q |= Q(pk__in=NoticeReceipt.inbox_of(user).values("notice_id"))
        return cls.objects.all() if q is None else cls.objects.filter(q)

    @classmethod
    def attachments_readable_by(cls, user):
        """Residents read notices through their receipts, not the scope: the same rule as the
        notices API."""
        return cls.readable_by(user, cls.attachments_view_permission)

    def allowed_actions(self):
        return self.machine.allowed_actions(self.status)


class NoticeReceipt(models.Model):
    """送达回执: one notice delivered to one person (resident) or user (staff), with read time.

    Written 100,000 at a time, so only the indexes the inbox and the reach report use exist, and
    the denormalized place columns carry no foreign-key triggers."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="receipts", db_index=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        USER, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    house = models.ForeignKey(
        House,
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    delivered_at = models.DateTimeField(_("delivered at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    resent_count = models.PositiveSmallIntegerField(_("re-sent"), default=0)
    last_resent_at = models.DateTimeField(_("last re-sent"), null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(
        organization="organization", community="community", house="house", person="person"
    )

    class Meta:
        verbose_name = _("notice receipt")
        verbose_name_plural = _("notice receipts")
        ordering = ["-delivered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "person"],
                condition=Q(person__isnull=False),
                name="receipt_one_per_person",
            ),
            models.UniqueConstraint(
                fields=["notice", "user"],
                condition=Q(user__isnull=False),
                name="receipt_one_per_user",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "read_at"], name="receipt_person_read"),
            models.Index(fields=["user", "read_at"], name="receipt_user_read"),
            models.Index(fields=["notice", "building", "read_at"], name="receipt_reach"),
        ]

    def __str__(self):
        return f"{self.notice_id} → {self.person_id or self.user_id}"

    @classmethod
    def inbox_of(cls, user):
        """The receipts of ``user`` (as a resident and as a user), drafts aside."""
        q = Q(user_id=user.pk)
        if user.person_id:
            q |= Q(person_id=user.person_id)
        return cls.objects.filter(q).exclude(notice__status=NoticeStatus.DRAFT)


# Warm reminders -----------------------------------------------------------------------------


class ReminderTemplate(models.Model):
    """温馨提示模板: a reminder text (built in, or a company's own) with its triggers."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for built-in templates."),
    )
    key = models.SlugField(_("key"), max_length=50)
    topic = models.CharField(_("topic"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("body"), help_text=_("May use {community}, {date}, {occasion}, {year}, {policy}.")
    )
    builtin = models.BooleanField(_("built in"), default=False)
    active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()
    scope = Scope(organization="organization")

    class Meta:
        verbose_name = _("reminder template")
        verbose_name_plural = _("reminder templates")
        ordering = ["topic", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"],
                condition=Q(organization__isnull=False),
                name="reminder_template_org_key",
            ),
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(organization__isnull=True),
                name="reminder_template_builtin_key",
            ),
        ]

    def __str__(self):
        return self.title


class ReminderTrigger(models.Model):
    """触发条件: when a template is proposed (a solar term, season, holiday, weather or policy)."""

    template = models.ForeignKey(
        ReminderTemplate, on_delete=models.CASCADE, related_name="triggers"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=TriggerKind.choices)
    value = models.CharField(
        _("value"),
        max_length=30,
        blank=True,
        help_text=_("Solar term name, season, holiday key or weather condition."),
    )
    lead_days = models.PositiveSmallIntegerField(_("days ahead"), default=3)

    class Meta:
        verbose_name = _("reminder trigger")
        verbose_name_plural = _("reminder triggers")
        indexes = [models.Index(fields=["kind", "value"], name="trigger_kind_value")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}"


class ReminderSettings(models.Model):
    """温馨提示设置: per community — on/off, auto-publish, weather thresholds and source."""

    organization = _org()
    community = models.OneToOneField(Community, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(_("propose reminders"), default=True)
    auto_publish = models.BooleanField(_("publish without approval"), default=False)
    heat_threshold = models.DecimalField(
        _("heat day at (°C)"), max_digits=4, decimal_places=1, default=35
    )
    cold_threshold = models.DecimalField(
        _("cold wave at (°C)"), max_digits=4, decimal_places=1, default=0
    )
    weather_source = models.CharField(
        _("weather source"),
        max_length=200,
        blank=True,
        help_text=_("Dotted path of a weather source; empty = manual entries."),
    )

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self):
        return str(self.community)


class WeatherReport(models.Model):
    """天气: a forecast or manual weather entry for a community and day."""

    organization = _org()
    community = _community()
    day = models.DateField(_("day"))
    max_temp = models.DecimalField(
        _("max temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    min_temp = models.DecimalField(
        _("min temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=50, default="manual")
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("weather report")
        verbose_name_plural = _("weather reports")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["community", "day"], name="weather_one_per_day")
        ]

    def __str__(self):
        return f"{self.community} {self.day}"


class PolicyChange(models.Model):
    """重大事项/政策变化: a policy entered by staff that residents should hear about."""

    organization = _org()
    community = _community()
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    effective_on = models.DateField(_("effective on"))
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("policy change")
        verbose_name_plural = _("policy changes")
        ordering = ["-effective_on"]

    def __str__(self):
        return self.title


PROPOSAL_STATES = StateMachine(
    {
        "approve": ((ProposalStatus.PROPOSED,), ProposalStatus.PUBLISHED),
        "dismiss": ((ProposalStatus.PROPOSED,), ProposalStatus.DISMISSED),
    }
)


class ReminderProposal(models.Model):
    """温馨提示建议: the engine's proposal of one template for one community and occasion."""

    organization = _org()
    community = _community()
    template = models.ForeignKey(
        ReminderTemplate,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("template"),
    )
    occurrence_key = models.CharField(_("occasion"), max_length=60)
    occasion = models.CharField(_("occasion name"), max_length=60)
    occurrence_date = models.DateField(_("occasion date"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    notice = models.ForeignKey(
        Notice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    machine = PROPOSAL_STATES

    class Meta:
        verbose_name = _("reminder proposal")
        verbose_name_plural = _("reminder proposals")
        ordering = ["occurrence_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "template", "occurrence_key"], name="proposal_once"
            ),
        ]
        indexes = [models.Index(fields=["community", "status"], name="proposal_comm_status")]

    def __str__(self):
        return self.title


# Surveys ------------------------------------------------------------------------------------

SURVEY_STATES = StateMachine(
    {
        "schedule": ((SurveyStatus.DRAFT,), SurveyStatus.SCHEDULED),
        "open": ((SurveyStatus.DRAFT, SurveyStatus.SCHEDULED), SurveyStatus.OPEN),
        "close": ((SurveyStatus.OPEN,), SurveyStatus.CLOSED),
        "edit": ((SurveyStatus.DRAFT, SurveyStatus.SCHEDULED), None),
        "respond": ((SurveyStatus.OPEN,), None),
    }
)


class Survey(models.Model):
    """满意度调查/问卷: questions to households of a community, anonymous or named."""

    organization = _org()
    community = _community()
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    audience = models.CharField(
        _("audience"), max_length=8, choices=SurveyAudience.choices, default=SurveyAudience.ALL
    )
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    period = models.CharField(
        _("period"), max_length=7, blank=True, help_text=_("e.g. 2026Q4 for quarterly surveys")
    )
    invited_count = models.PositiveIntegerField(_("households invited"), default=0)
    response_count = models.PositiveIntegerField(_("responses"), default=0)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    machine = SURVEY_STATES

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="survey_comm_status"),
            models.Index(fields=["organization", "period"], name="survey_org_period"),
            models.Index(fields=["status", "opens_at"], name="survey_due"),
        ]

    def __str__(self):
        return self.title

    @property
    def response_rate(self) -> float | None:
        """Responses per invited household, in per cent (None while no household is invited)."""
        return self.response_count * 100 / self.invited_count if self.invited_count else None


class Question(models.Model):
    """问题: one question of a survey, tagged with a service dimension."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    dimension = models.CharField(
        _("service dimension"), max_length=12, choices=Dimension.choices, default=Dimension.OVERALL
    )
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey_id", "order", "id"]

    def __str__(self):
        return self.text


class SurveyInvitation(models.Model):
    """受访户: a household (house) invited to a survey — all households or a random sample."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="invitations", db_index=False
    )
    house = models.ForeignKey(House, on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [models.UniqueConstraint(fields=["survey", "house"], name="invitation_once")]

    def __str__(self):
        return f"{self.survey_id} · {self.house_id}"


class SurveyResponse(models.Model):
    """答卷: one household's answers. One per household and survey (database constraint)."""

    organization = _org()
    community = _community()
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    house = models.ForeignKey(
        House, on_delete=models.CASCADE, related_name="+", verbose_name=_("house")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the survey is anonymous."),
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", person="person")

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "house"], name="one_response_per_household")
        ]

    def __str__(self):
        return f"{self.survey_id} · {self.house_id}"

    @property
    def anonymous(self):
        return self.person_id is None


class Answer(models.Model):
    """回答: one answer, with its score normalised to 0-100 for the dimension averages."""

    organization = _org()
    community = _community()
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    norm = models.FloatField(_("score (0-100)"), null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    text = models.TextField(_("text"), blank=True)
    low = models.BooleanField(_("dissatisfied"), default=False)
    anonymous = models.BooleanField(_("anonymous"), default=False)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["survey", "kind", "dimension"], name="answer_results"),
            models.Index(fields=["community", "low", "anonymous"], name="answer_low"),
        ]

    def __str__(self):
        return f"{self.question_id}: {self.score if self.score is not None else self.text[:20]}"


# Residents' voice ---------------------------------------------------------------------------

SUGGESTION_STATES = StateMachine(
    {
        "reply": ((SuggestionStatus.OPEN, SuggestionStatus.REPLIED), SuggestionStatus.REPLIED),
        "close": ((SuggestionStatus.OPEN, SuggestionStatus.REPLIED), SuggestionStatus.CLOSED),
    }
)


class Suggestion(models.Model):
    """意见箱: a suggestion from anyone in the community, optionally anonymous, with a public reply."""

    organization = _org()
    community = _community()
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when anonymous."),
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    dimension = models.CharField(
        _("service dimension"), max_length=12, choices=Dimension.choices, default=Dimension.OVERALL
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("suggestion"))
    status = models.CharField(
        _("status"), max_length=8, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    reply = models.TextField(_("reply"), blank=True)
    reply_public = models.BooleanField(_("reply is public"), default=True)
    replied_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", person="person")
    machine = SUGGESTION_STATES

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="suggestion_comm_status")]

    def __str__(self):
        return self.title


MEETING_STATES = StateMachine(
    {
        "record": ((MeetingStatus.PLANNED, MeetingStatus.HELD), MeetingStatus.HELD),
    }
)


class Meeting(models.Model):
    """座谈会: a face-to-face meeting with residents, with attendees, minutes and action items."""

    organization = _org()
    community = _community()
    title = models.CharField(_("title"), max_length=200)
    held_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_public = models.BooleanField(_("minutes visible to residents"), default=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    machine = MEETING_STATES

    class Meta:
        verbose_name = _("meeting with residents")
        verbose_name_plural = _("meetings with residents")
        ordering = ["-held_at"]
        indexes = [models.Index(fields=["community", "status"], name="meeting_comm_status")]

    def __str__(self):
        return self.title


class MeetingAttendee(models.Model):
    """参会人: a resident, committee member or staff member at a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["id"]

    def __str__(self):
        return self.name


ACTION_STATES = StateMachine(
    {
        "close": ((ActionStatus.OPEN,), ActionStatus.DONE),
        "reopen": ((ActionStatus.DONE,), ActionStatus.OPEN),
    }
)


class ActionItem(models.Model):
    """整改事项: an action item from a meeting, tracked to closure."""

    organization = _org()
    community = _community()
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(_("action item"), max_length=300)
    owner = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=6, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")
    machine = ACTION_STATES

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["status", "due_on", "id"]
        indexes = [
            models.Index(fields=["community", "status", "due_on"], name="action_comm_status")
        ]

    def __str__(self):
        return self.title
