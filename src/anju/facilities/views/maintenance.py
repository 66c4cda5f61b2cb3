"""Console pages of maintenance: plans and the tasks they generate."""

import django_filters
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from anju.core import policy
from anju.core.console import Column, ScopedDetailView, ScopedListView, ServiceFormView
from anju.core.errors import DomainError

from .. import selectors, services
from ..choices import TaskStatus
from ..forms import PlanForm
from ..models import MaintenancePlan, MaintenanceTask


class PlanList(ScopedListView):
    model = MaintenancePlan
    permission = "facilities.maintenance.view"
    title = _("Maintenance plans")
    detail_url_name = "console:facilities-plan-detail"
    create_url_name = "console:facilities-plan-create"
    create_permission = "facilities.maintenance.manage"
    search_fields = ["name"]
    columns = [
        Column("name", _("name")),
        Column("category", _("asset category")),
        Column("kind", _("kind of work")),
        Column("frequency", _("frequency")),
        Column("interval", _("interval"), align="right"),
        Column("assets", _("assets"), value=lambda o: o.asset_count, align="right"),
        Column("generated_until", _("tasks generated until")),
        Column("active", _("active")),
    ]

    def base_queryset(self):
        from django.db.models import Count

        return MaintenancePlan.objects.annotate(asset_count=Count("assets")).order_by(
            "community_id", "name"
        )


class PlanDetail(ScopedDetailView):
    model = MaintenancePlan
    permission = "facilities.maintenance.view"
    template_name = "facilities/plan_detail.html"
    fields = [
        Column("community", _("community")),
        Column("category", _("asset category")),
        Column("kind", _("kind of work")),
        Column("frequency", _("frequency")),
        Column("interval", _("interval")),
        Column("starts_on", _("first due date")),
        Column("assignee", _("assignee")),
        Column("generated_until", _("tasks generated until")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tasks"] = self.object.tasks.select_related("asset").order_by("due_on")[:60]
        ctx["assets"] = self.object.assets.all()
        return ctx


class PlanCreate(ServiceFormView):
    form_class = PlanForm
    permission = "facilities.maintenance.manage"
    title = _("New maintenance plan")

    def perform(self, data):
        if not policy.staff_has(self.request.user, self.permission, data["community"].pk):
            raise DomainError(_("You may not plan work in this community."))
        plan = services.create_plan(actor=self.request.user, **data)
        services.generate_tasks(
            actor=self.request.user, plans=MaintenancePlan.objects.filter(pk=plan.pk)
        )
        return plan

    def success_url_for(self, obj):
        return reverse("console:facilities-plan-detail", args=[obj.pk])


class TaskFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label=_("status"))
    due_on__gte = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", label=_("due from")
    )
    due_on__lte = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", label=_("due until")
    )
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")

    def filter_overdue(self, queryset, name, value):
        return selectors.overdue_tasks(queryset, matching=value)

    class Meta:
        model = MaintenanceTask
        fields = ["status"]


def _task_due(task):
    from django.utils.html import format_html

    return format_html(
        '<span class="tag {}">{}</span>', task.tone, task.due_on.strftime("%Y-%m-%d")
    )


class TaskList(ScopedListView):
    model = MaintenanceTask
    permission = "facilities.maintenance.view"
    title = _("Maintenance tasks")
    filterset_class = TaskFilter
    search_fields = ["asset__code", "asset__name", "plan__name"]
    columns = [
        Column("due_on", _("due on"), value=_task_due),
        Column("plan", _("plan")),
        Column("asset", _("asset")),
        Column("status", _("status")),
        Column("assignee", _("assignee")),
        Column("result", _("result")),
        Column("completed_at", _("completed at")),
    ]

    def base_queryset(self):
        return MaintenanceTask.objects.select_related("plan", "asset", "assignee").order_by(
            "due_on", "id"
        )
