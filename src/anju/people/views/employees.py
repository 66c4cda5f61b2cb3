"""员工档案 in the console: the list with the hire form, a person's page (record, onboarding,
licences with their scans, separation and the exit interview, care talks and their follow-up,
training history) and the edit form. Each form hands its data to a service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import generic

from anju.core import attachments, policy
from anju.core.console import (
    Column,
    ScopedListView,
    ServiceFormView,
    StaffRequiredMixin,
    add_domain_errors,
)
from anju.core.crypto import mask_middle
from anju.core.errors import DomainError

from .. import selectors, services
from ..choices import SeparationReason
from ..forms import (
    CareTalkForm,
    CertificateForm,
    EmployeeForm,
    ExitInterviewForm,
    HireForm,
    SeparationForm,
)
from ..models import Certificate, Employee


class EmployeeList(ScopedListView):
    model = Employee
    permission = "people.employee.view"
    title = _("Employees")
    search_fields = ["name"]
    detail_url_name = "console:people-employee"
    create_url_name = "console:people-employee-create"
    create_permission = "people.employee.manage"
    empty_text = _("No employees on record yet: hire the first with “New”.")
    columns = [
        Column("name", pgettext_lazy("person", "name"), link=True),
        Column("community", _("community")),
        Column("position", _("position")),
        Column("employment", _("employment")),
        Column("contractor", pgettext_lazy("employment", "contractor")),
        Column("hire_date", _("hire date")),
        Column("probation_end", _("end of probation")),
        Column("separated_on", _("left on")),
    ]

    def base_queryset(self):
        return Employee.objects.select_related("community")


class EmployeeCreate(ServiceFormView):
    """入职: a new person's record; the onboarding checklist starts with it."""

    form_class = HireForm
    permission = "people.employee.manage"
    title = _("Hire a person")
    template_name = "people/form.html"
    extra_context = {"cancel_url": "/console/people/employees/"}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "community_id": self.request.community_id}

    def perform(self, data):
        return services.hire(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:people-employee", args=[obj.pk])


class EmployeeMixin(StaffRequiredMixin):
    """The person of the URL as the user may see them; anyone else's is 404, as missing."""

    permission = "people.employee.view"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request.user, "is_staff_member", False):
            self.employee = (
                Employee.objects.visible_to(request.user, "people.employee.view")
                .select_related("community", "user")
                .filter(pk=kwargs["pk"])
                .first()
            )
            if self.employee is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def may(self, perm):
        return policy.staff_has(self.request.user, perm, self.employee.community_id)


class EmployeeEdit(EmployeeMixin, ServiceFormView):
    form_class = EmployeeForm
    template_name = "people/employee_edit.html"

    def get_form_kwargs(self):
        if not self.may("people.employee.manage"):
            raise PermissionDenied
        return {**super().get_form_kwargs(), "employee": self.employee}

    def get_initial(self):
        names = [n for n in EmployeeForm.base_fields if n != "id_number"]
        return {name: getattr(self.employee, name) for name in names}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=self.employee.name,
            data_title=True,
            employee=self.employee,
            cancel_url=reverse("console:people-employee", args=[self.employee.pk]),
        )
        return ctx

    def form_valid(self, form):
        try:
            services.update_employee(
                actor=self.request.user, employee=self.employee, **form.changes()
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("console:people-employee", pk=self.employee.pk)


STEPS = {
    "certificate": (CertificateForm, "people.certificate.manage"),
    "separate": (SeparationForm, "people.employee.manage"),
    "exit": (ExitInterviewForm, "people.retention.manage"),
    "talk": (CareTalkForm, "people.retention.manage"),
}


class EmployeePage(EmployeeMixin, generic.TemplateView):
    """A person's page: record, onboarding, licences, training history, care talks, and the
    forms of what the user may do now (each step one form, shown again with what was typed
    when a service refuses)."""

    template_name = "people/employee.html"

    def get_context_data(self, forms=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        employee = self.employee
        forms = forms or {}
        certificates = list(employee.certificates.all())
        scans = attachments.by_object(Certificate, [c.pk for c in certificates])
        interview = getattr(employee, "exit_interview", None)
        id_number = employee.id_number
        if id_number and not self.may("people.employee.view_id"):
            id_number = mask_middle(id_number, 3, 2)
        allowed = {step for step, (_form, perm) in STEPS.items() if self.may(perm)}
        if employee.separated_on is not None:
            allowed.discard("separate")
        else:
            allowed.discard("exit")
        ctx.update(
            title=employee.name,
            employee=employee,
            id_number=id_number,
            certificates=[(c, scans[c.pk]) for c in certificates],
            onboarding=selectors.onboarding_of(employee),
            history=selectors.training_history(employee),
            due=selectors.yearly_courses_due(employee),
            talks=employee.care_talks.select_related("by")[:20],
            interview=interview,
            interview_reasons=[SeparationReason(r).label for r in interview.reasons]
            if interview
            else [],
            can_manage=self.may("people.employee.manage"),
            can_talk=self.may("people.retention.manage"),
            allowed=allowed,
            step_forms={
                step: forms.get(step) or self._blank(step, interview)
                for step in STEPS
                if step in allowed
            },
            open_step=next(iter(forms), None),
        )
        return ctx

    def _blank(self, step, interview):
        form_class = STEPS[step][0]
        if step == "exit" and interview is not None:
            return form_class(
                initial={
                    "reasons": interview.reasons,
                    "note": interview.note,
                    "would_return": interview.would_return,
                    "held_on": interview.held_on,
                }
            )
        if step == "exit":
            return form_class(initial={"reasons": [self.employee.separation_reason]})
        return form_class()

    def post(self, request, pk):
        employee = self.employee
        step = request.POST.get("step")
        if step in ("onboarding", "followed_up"):
            return self._action(step)
        if step not in STEPS:
            raise Http404
        form_class, perm = STEPS[step]
        if not self.may(perm):
            raise PermissionDenied
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                self._perform(step, data)
            except DomainError as exc:
                add_domain_errors(form, exc, {"on": "separated_on", "reason": "separation_reason"})
            else:
                messages.success(request, _("Saved."))
                return redirect("console:people-employee", pk=employee.pk)
        return self.render_to_response(self.get_context_data(forms={step: form}))

    def _perform(self, step, data):
        actor, employee = self.request.user, self.employee
        if step == "certificate":
            services.add_certificate(actor=actor, employee=employee, **data)
        elif step == "separate":
            services.separate(
                actor=actor,
                employee=employee,
                on=data["separated_on"],
                reason=data["separation_reason"],
                note=data["note"],
            )
        elif step == "exit":
            services.record_exit_interview(actor=actor, employee=employee, **data)
        else:
            services.record_care_talk(actor=actor, employee=employee, **data)

    def _action(self, step):
        request, employee = self.request, self.employee
        try:
            if step == "onboarding":
                if not self.may("people.employee.manage"):
                    raise PermissionDenied
                services.tick_onboarding(
                    actor=request.user, employee=employee, item=request.POST.get("item")
                )
            else:
                talk = employee.care_talks.filter(pk=_int(request.POST.get("talk"))).first()
                if talk is None:
                    raise Http404
                if not self.may("people.retention.manage"):
                    raise PermissionDenied
                services.follow_up_done(actor=request.user, talk=talk)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
        return redirect("console:people-employee", pk=employee.pk)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
