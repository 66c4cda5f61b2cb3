"""培训 in the console: the courses with the create form (quiz and pass mark, the positions
that take it every year), a course's page with its sessions and the form to hold one, and a
session's page where attendance is recorded with a score or the quiz answers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import generic

from anju.core import policy
from anju.core.console import (
    Column,
    ScopedListView,
    ServiceFormView,
    StaffRequiredMixin,
    add_domain_errors,
    get_scoped_object,
)
from anju.core.errors import DomainError
from anju.core.models import Community

from .. import selectors, services
from ..choices import Position
from ..forms import AttendanceForm, CourseForm, SessionForm
from ..models import Course, Employee, TrainingSession


def _positions(course):
    labels = dict(Position.choices)
    return "、".join(str(labels.get(p, p)) for p in course.yearly_for or []) or "—"


class CourseList(ScopedListView):
    model = Course
    permission = "people.training.view"
    title = _("Courses")
    search_fields = ["title"]
    detail_url_name = "console:people-course"
    create_url_name = "console:people-course-create"
    create_permission = "people.training.manage"
    empty_text = _("No courses yet: set up the first with “New” (safety, fire, etiquette).")
    columns = [
        Column("title", _("title")),
        Column("topic", _("topic")),
        Column("pass_mark", _("pass mark (of 100)"), align="right"),
        Column(
            "questions",
            pgettext_lazy("quiz", "questions"),
            value=lambda c: len(c.quiz or []),
            align="right",
        ),
        Column("yearly_for", _("required every year for"), value=_positions),
        Column("sessions_count", _("sessions"), align="right"),
    ]

    def base_queryset(self):
        return Course.objects.annotate(sessions_count=Count("sessions")).order_by("topic", "title")


class CourseCreate(ServiceFormView):
    form_class = CourseForm
    permission = "people.training.manage"
    title = _("New course")
    template_name = "people/form.html"
    extra_context = {"cancel_url": "/console/people/courses/"}

    def perform(self, data):
        return services.create_course(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:people-course", args=[obj.pk])


def _training_communities(user, organization_id):
    return Community.objects.visible_to(user, "people.training.manage").filter(
        organization_id=organization_id
    )


class CoursePage(StaffRequiredMixin, generic.TemplateView):
    """A course: its quiz, who takes it every year, its sessions; hold a session."""

    template_name = "people/course.html"
    permission = "people.training.view"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request.user, "is_staff_member", False):
            self.course = get_scoped_object(
                Course, request.user, kwargs["pk"], "people.training.view"
            )
        return super().dispatch(request, *args, **kwargs)

    def communities(self):
        return _training_communities(self.request.user, self.course.organization_id).order_by(
            "name"
        )

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, course = self.request.user, self.course
        communities = self.communities()
        sessions = (
            selectors.sessions_readable_by(user)
            .filter(course=course)
            .annotate(attended=Count("attendance"))[:100]
        )
        if form is None and communities.exists():
            first = communities.filter(pk=self.request.community_id).first() or communities[0]
            form = SessionForm(communities=communities, initial={"community": first})
        ctx.update(
            title=course.title,
            course=course,
            positions=_positions(course),
            sessions=sessions,
            form=form,
        )
        return ctx

    def post(self, request, pk):
        communities = self.communities()
        if not communities.exists():
            raise PermissionDenied
        form = SessionForm(request.POST, communities=communities)
        if form.is_valid():
            try:
                session = services.hold_session(
                    actor=request.user, course=self.course, **form.cleaned_data
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Saved. Now record who attended."))
                return redirect("console:people-session", pk=session.pk)
        return self.render_to_response(self.get_context_data(form=form))


class SessionPage(StaffRequiredMixin, generic.TemplateView):
    """A session: who attended with their score and pass or fail; record attendance."""

    template_name = "people/session.html"
    permission = "people.training.view"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request.user, "is_staff_member", False):
            self.session = get_scoped_object(
                TrainingSession, request.user, kwargs["pk"], "people.training.view"
            )
        return super().dispatch(request, *args, **kwargs)

    def can_manage(self):
        return policy.staff_has(
            self.request.user, "people.training.manage", self.session.community_id
        )

    def employees(self):
        session = self.session
        return selectors.active_on(
            Employee.objects.visible_to(self.request.user, "people.training.manage").filter(
                community_id=session.community_id
            ),
            session.held_on,
        ).order_by("name")

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        session = self.session
        rows = session.attendance.select_related("employee").order_by("employee__name")
        if form is None and self.can_manage():
            form = AttendanceForm(session=session, employees=self.employees())
        ctx.update(
            title=f"{session.course.title} · {session.held_on:%Y-%m-%d}",
            session=session,
            course=session.course,
            rows=rows,
            passed=sum(1 for r in rows if r.passed),
            form=form,
        )
        return ctx

    def post(self, request, pk):
        if not self.can_manage():
            raise PermissionDenied
        form = AttendanceForm(request.POST, session=self.session, employees=self.employees())
        if form.is_valid():
            try:
                row = services.record_attendance(
                    actor=request.user, session=self.session, **form.service_data()
                )
            except DomainError as exc:
                add_domain_errors(form, exc, {"answers": "q0"})
            else:
                outcome = _("passed") if row.passed else _("not passed")
                messages.success(
                    request,
                    _("Saved: %(name)s, %(outcome)s.")
                    % {"name": row.employee.name, "outcome": outcome},
                )
                return redirect("console:people-session", pk=pk)
        return self.render_to_response(self.get_context_data(form=form))
