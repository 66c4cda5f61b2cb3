"""培训, 拴心留人 and 群策群力: courses and sessions with a quiz, exit interviews, care talks and
staff suggestions."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import Forbidden, full_clean, refuse
from anju.core.money import quantize
from anju.core.notifications import notify
from anju.core.selectors import managers_of

from ..choices import CourseTopic, Position, SeparationReason
from ..models import (
    CareTalk,
    Course,
    ExitInterview,
    SessionAttendance,
    StaffSuggestion,
    TrainingSession,
)
from ..selectors import employee_of
from .common import require, text


def _check_quiz(quiz):
    if not isinstance(quiz, list):
        refuse("quiz", _("The quiz is a list of questions."))
    clean = []
    for n, item in enumerate(quiz, 1):
        question = text(item.get("question") if isinstance(item, dict) else "")
        options = item.get("options") if isinstance(item, dict) else None
        answer = item.get("answer") if isinstance(item, dict) else None
        if not question or not isinstance(options, list) or len(options) < 2:
            refuse("quiz", _("Question %(n)s needs its text and at least two options.") % {"n": n})
        if not isinstance(answer, int) or not 0 <= answer < len(options):
            refuse("quiz", _("Question %(n)s needs the number of its right option.") % {"n": n})
        clean.append(
            {"question": question, "options": [text(o) for o in options], "answer": answer}
        )
    return clean


@transaction.atomic
def create_course(
    *, actor, organization, title, topic, pass_mark=None, quiz=(), yearly_for=()
) -> Course:
    if not actor.is_superuser and not any(
        m.organization_id == organization.pk and m.role in ("org_admin", "manager")
        for m in actor.active_memberships()
    ):
        raise Forbidden(_("You may not set up courses for this company."))
    if topic not in CourseTopic.values:
        refuse("topic", _("Choose the topic of the course."))
    positions = sorted(set(yearly_for or ()))
    if any(p not in Position.values for p in positions):
        refuse("yearly_for", _("Choose positions from the list."))
    course = Course(
        organization=organization,
        title=text(title, 100),
        topic=topic,
        pass_mark=settings.ANJU_PEOPLE_PASS_MARK if pass_mark is None else pass_mark,
        quiz=_check_quiz(list(quiz)),
        yearly_for=positions,
    )
    if not course.title:
        refuse("title", _("Give the course a title."))
    full_clean(course, exclude=["organization"])
    course.save()
    audit.record(
        actor,
        "people.course.created",
        course,
        organization=organization,
        after={"title": course.title, "topic": topic, "pass_mark": course.pass_mark},
    )
    return course


@transaction.atomic
def hold_session(*, actor, community, course, held_on, trainer="") -> TrainingSession:
    require(actor, "people.training.manage", community)
    if course.organization_id != community.organization_id:
        refuse("course", _("This course belongs to another company."))
    if held_on is None:
        refuse("held_on", _("Give the day of the session."))
    session = TrainingSession.objects.create(
        organization_id=community.organization_id,
        community=community,
        course=course,
        held_on=held_on,
        trainer=text(trainer, 60),
    )
    audit.record(
        actor,
        "people.session.held",
        session,
        after={"course": course.pk, "held_on": held_on.isoformat()},
        community=community,
    )
    return session


def quiz_score(course, answers):
    """The quiz score (of 100, rounded half up) of ``answers`` (one option index per question)."""
    if not course.quiz:
        return None
    if not isinstance(answers, list) or len(answers) != len(course.quiz):
        refuse("answers", _("Answer every question of the quiz."))
    right = sum(1 for q, a in zip(course.quiz, answers, strict=True) if a == q["answer"])
    return int((Decimal(right * 100) / len(course.quiz)).quantize(Decimal("1"), "ROUND_HALF_UP"))


@transaction.atomic
def record_attendance(*, actor, session, employee, answers=None, score=None) -> SessionAttendance:
    """签到 and the quiz: the person attended; their score (from the answers or given) against the
    course's pass mark."""
    require(actor, "people.training.manage", session.community)
    if employee.organization_id != session.organization_id:
        refuse("employee", _("This person works for another company."))
    course = session.course
    if answers is not None:
        score = quiz_score(course, answers)
    if score is not None and not 0 <= int(score) <= 100:
        refuse("score", _("A score is from 0 to 100."))
    passed = (
        True
        if score is None and not course.quiz
        else score is not None and score >= course.pass_mark
    )
    row, _created = SessionAttendance.objects.update_or_create(
        session=session,
        employee=employee,
        defaults={"organization_id": session.organization_id, "score": score, "passed": passed},
    )
    audit.record(
        actor,
        "people.session.attended",
        session,
        after={"employee": employee.pk, "score": score, "passed": passed},
        community=session.community,
    )
    return row


@transaction.atomic
def record_exit_interview(*, actor, employee, reasons, note="", would_return=False, held_on=None):
    """离职面谈: why the person left, in their words and as reasons to count."""
    require(actor, "people.retention.manage", employee.community)
    reasons = sorted(set(reasons or ()))
    if not reasons or any(r not in SeparationReason.values for r in reasons):
        refuse("reasons", _("Choose at least one reason from the list."))
    interview, _created = ExitInterview.objects.update_or_create(
        employee=employee,
        defaults={
            "organization_id": employee.organization_id,
            "reasons": reasons,
            "note": text(note),
            "would_return": bool(would_return),
            "by": actor,
            "held_on": held_on or timezone.localdate(),
        },
    )
    audit.record(
        actor,
        "people.exit_interview.recorded",
        interview,
        after={"employee": employee.pk, "reasons": reasons},
        community=employee.community,
    )
    return interview


@transaction.atomic
def record_care_talk(
    *, actor, employee, notes, follow_up="", follow_up_due=None, held_on=None
) -> CareTalk:
    """谈心: a manager's talk with a person and what they promised to follow up."""
    require(actor, "people.retention.manage", employee.community)
    notes = text(notes)
    if not notes:
        refuse("notes", _("Write down what was said."))
    if follow_up_due is not None and not text(follow_up):
        refuse("follow_up", _("Say what is to be followed up."))
    talk = CareTalk.objects.create(
        organization_id=employee.organization_id,
        employee=employee,
        by=actor,
        held_on=held_on or timezone.localdate(),
        notes=notes,
        follow_up=text(follow_up),
        follow_up_due=follow_up_due,
    )
    audit.record(
        actor,
        "people.care_talk.recorded",
        talk,
        after={"employee": employee.pk, "follow_up_due": str(follow_up_due or "")},
        community=employee.community,
    )
    return talk


@transaction.atomic
def follow_up_done(*, actor, talk) -> CareTalk:
    talk = (
        CareTalk.objects.select_for_update().select_related("employee__community").get(pk=talk.pk)
    )
    require(actor, "people.retention.manage", talk.employee.community)
    if not talk.follow_up:
        refuse("follow_up", _("This talk has nothing to follow up."))
    if talk.followed_up_at is None:
        talk.followed_up_at = timezone.now()
        talk.save(update_fields=["followed_up_at"])
        audit.record(actor, "people.care_talk.followed_up", talk, community=talk.employee.community)
    return talk


@transaction.atomic
def submit_suggestion(*, actor, title, body) -> StaffSuggestion:
    """合理化建议: any employee's idea, sent to their community's managers."""
    employee = employee_of(actor)
    if employee is None:
        refuse("employee", _("You have no employee record; ask your manager."))
    title, body = text(title, 120), text(body)
    if not title:
        refuse("title", _("Give the idea a title."))
    if not body:
        refuse("body", _("Describe the idea."))
    suggestion = StaffSuggestion.objects.create(
        organization_id=employee.organization_id,
        community_id=employee.community_id,
        author=actor,
        title=title,
        body=body,
    )
    audit.record(
        actor,
        "people.suggestion.submitted",
        suggestion,
        after={"title": title},
        community=employee.community,
    )
    notify(
        managers_of(employee.community),
        _("A staff suggestion: %(title)s") % {"title": title},
        body[:200],
        link="/console/people/suggestions/",
        community=employee.community,
    )
    return suggestion


@transaction.atomic
def answer_suggestion(*, actor, suggestion, adopt, answer, reward=None) -> StaffSuggestion:
    """The manager answers: adopted (tracked to done, perhaps with a reward) or not."""
    suggestion = (
        StaffSuggestion.objects.select_for_update()
        .select_related("community")
        .get(pk=suggestion.pk)
    )
    require(actor, "people.suggestion.answer", suggestion.community)
    answer = text(answer)
    if not answer:
        refuse("answer", _("Write the answer to the person."))
    before = suggestion.status
    suggestion.status = suggestion.machine.check("adopt" if adopt else "decline", suggestion.status)
    if reward not in (None, ""):
        if not adopt:
            refuse("reward", _("Only an adopted idea carries a reward."))
        try:
            reward = quantize(reward)
        except (TypeError, ValueError):
            refuse("reward", _("Give the reward in yuan, e.g. 200.00."))
        if reward < 0:
            refuse("reward", _("A reward cannot be negative."))
        suggestion.reward = reward
    suggestion.answer = answer
    suggestion.answered_by = actor
    suggestion.answered_at = timezone.now()
    suggestion.save()
    audit.record(
        actor,
        "people.suggestion.answered",
        suggestion,
        before={"status": before},
        after={"status": suggestion.status, "reward": str(suggestion.reward or "")},
        community=suggestion.community,
    )
    notify(
        [suggestion.author],
        _("Your suggestion “%(title)s” was answered") % {"title": suggestion.title},
        answer[:200],
        link="/console/people/suggestions/",
        community=suggestion.community,
    )
    return suggestion


@transaction.atomic
def complete_suggestion(*, actor, suggestion) -> StaffSuggestion:
    suggestion = (
        StaffSuggestion.objects.select_for_update()
        .select_related("community")
        .get(pk=suggestion.pk)
    )
    require(actor, "people.suggestion.answer", suggestion.community)
    suggestion.status = suggestion.machine.check("complete", suggestion.status)
    suggestion.done_at = timezone.now()
    suggestion.save(update_fields=["status", "done_at"])
    audit.record(
        actor,
        "people.suggestion.done",
        suggestion,
        after={"status": suggestion.status},
        community=suggestion.community,
    )
    return suggestion
