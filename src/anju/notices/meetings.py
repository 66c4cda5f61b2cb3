"""Console pages of meetings with residents (居民沟通会): the list, a new meeting, its minutes
and action items, and the list of action items past their due date that the workbench counts."""

import django_filters
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core import policy
from anju.core.console import (
    Column,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    get_scoped_object,
)
from anju.core.errors import DomainError
from anju.core.scoping import staff_in_scope

from . import selectors, services
from .forms import MeetingForm
from .models import ActionItem, Meeting
from .views import KeepsWhatWasTyped, Refused, attempt, status_tag


class ActionItemFilter(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")

    class Meta:
        model = ActionItem
        fields = []

    def filter_overdue(self, queryset, name, value):
        return selectors.overdue_action_items(queryset, matching=value)


class ActionItemList(ScopedListView):
    """Action items promised at meetings; ``?overdue=true`` is what the workbench card counts."""

    model = ActionItem
    permission = "notices.meeting.view"
    title = _("Meeting action items")
    filterset_class = ActionItemFilter
    columns = [
        Column("due_on", _("due on")),
        Column("title", _("action item")),
        Column("meeting", _("meeting")),
        Column(
            "owner",
            _("owner"),
            value=lambda a: a.owner.get_full_name() or a.owner.username if a.owner else "—",
        ),
        Column("status", _("status")),
    ]

    def base_queryset(self):
        return ActionItem.objects.select_related("meeting", "owner").order_by("due_on", "id")


class MeetingList(ScopedListView):
    model = Meeting
    permission = "notices.meeting.view"
    title = _("Meetings with residents")
    create_url_name = "console:meeting-create"
    create_permission = "notices.meeting.manage"
    detail_url_name = "console:meeting-detail"
    columns = [
        Column("title", _("title"), link=True),
        Column("community", _("community")),
        Column("held_at", _("time")),
        Column("status", _("status"), value=status_tag),
        Column(
            "open_items",
            _("open action items"),
            align="right",
            value=lambda m: sum(1 for a in m.action_items.all() if a.status == "open"),
        ),
    ]

    def base_queryset(self):
        return Meeting.objects.select_related("community").prefetch_related("action_items")


class MeetingCreate(ServiceFormView):
    form_class = MeetingForm
    permission = "notices.meeting.manage"
    title = _("New meeting with residents")

    def perform(self, data):
        attendees = []
        for line in data.pop("attendees").splitlines():
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if parts and parts[0]:
                attendees.append({"name": parts[0], "role": parts[1] if len(parts) > 1 else ""})
        if not policy.staff_has(self.request.user, "notices.meeting.manage", data["community"].pk):
            raise DomainError(_("Not allowed."))
        return services.create_meeting(actor=self.request.user, attendees=attendees, **data)

    def success_url_for(self, obj):
        return reverse("console:meeting-detail", args=[obj.pk])


class MeetingDetail(KeepsWhatWasTyped, ScopedDetailView):
    model = Meeting
    permission = "notices.meeting.view"
    template_name = "notices/meeting_detail.html"
    fields = [
        Column("community", _("community")),
        Column("held_at", _("time")),
        Column("place", _("place")),
        Column("status", _("status")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_manage"] = self.can("notices.meeting.manage", self.object)
        ctx["items"] = self.object.action_items.select_related("owner")
        ctx["today"] = timezone.localdate()
        ctx["owners"] = (
            staff_in_scope(self.request.user, "notices.meeting.manage")
            .filter(
                memberships__organization_id=self.object.organization_id, memberships__active=True
            )
            .distinct()
            .order_by("username")
        )
        return ctx

    def post(self, request, pk):
        meeting = get_scoped_object(Meeting, request.user, pk, "notices.meeting.manage")
        verb = request.POST.get("action")
        try:
            self._do(request, meeting, verb)
        except Refused as refused:
            return self.again(request, refused, verb=verb)
        return redirect("console:meeting-detail", pk=pk)

    def _do(self, request, meeting, verb):
        if verb == "minutes":
            attempt(
                request,
                services.record_minutes,
                meeting=meeting,
                minutes=request.POST.get("minutes", ""),
                minutes_public=bool(request.POST.get("minutes_public")),
            )
        elif verb == "item":
            # Through the caller's scope: another company's login is as unknown as no login.
            raw = (request.POST.get("owner") or "").strip()
            owner = None
            if raw:
                owner = (
                    staff_in_scope(request.user, "notices.meeting.manage")
                    .filter(pk=int(raw) if raw.isdigit() else 0)
                    .first()
                )
                if owner is None:
                    message = _("This person is not on your staff. Choose the owner from the list.")
                    raise Refused(message, {"owner": [message]})
            due = request.POST.get("due_on") or None
            attempt(
                request,
                services.add_action_item,
                meeting=meeting,
                title=request.POST.get("title", ""),
                owner=owner,
                due_on=due,
            )
        elif verb in ("close", "reopen"):
            item = get_scoped_object(
                ActionItem, request.user, request.POST.get("item", "0"), "notices.meeting.manage"
            )
            if verb == "close":
                attempt(
                    request,
                    services.close_action_item,
                    item=item,
                    resolution=request.POST.get("resolution", ""),
                )
            else:
                attempt(request, services.reopen_action_item, item=item)
