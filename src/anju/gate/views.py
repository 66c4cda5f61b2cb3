"""Console pages of the gate: the guard's phone-first desk (check a visitor pass by camera or
code, check a goods release pass, register a walk-in visitor and see the resident's answer) and
the managers' lists (passes, visitor log, walk-ins, doors, openings, goods release)."""

from datetime import timedelta

import django_filters
from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import generic

from anju.core import formats
from anju.core.console import Column, ScopedListView, StaffRequiredMixin
from anju.core.errors import DomainError
from anju.core.models import House

from . import selectors, services
from .choices import ReleaseStatus, WalkInStatus
from .models import Door, DoorCommand, ReleasePass, VisitorEntry, VisitorPass, WalkIn


def _when(value):
    return formats.when(value) if value else ""


def _house(obj):
    return f"{obj.house.building.name} {obj.house.number}"


def _error(exc):
    fields = getattr(exc, "fields", None) or {}
    return str(next(iter(fields.values()))[0]) if fields else str(exc.message)


class WalkInForm(forms.Form):
    house = forms.ModelChoiceField(queryset=House.objects.none(), label=gettext_lazy("house"))
    visitor_name = forms.CharField(max_length=40, label=gettext_lazy("visitor's name"))
    visitor_phone = forms.CharField(
        max_length=20, required=False, label=gettext_lazy("visitor's phone")
    )
    plate = forms.CharField(max_length=20, required=False, label=gettext_lazy("plate number"))
    purpose = forms.CharField(
        max_length=100, required=False, label=gettext_lazy("purpose of the visit")
    )

    def __init__(self, *args, user=None, community_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        houses = House.objects.visible_to(user, "gate.walkin.register").select_related("building")
        if community_id:
            houses = houses.filter(community_id=community_id)
        self.fields["house"].queryset = houses.order_by("building__name", "number")
        self.fields["house"].label_from_instance = lambda h: f"{h.building.name} {h.number}"


class Desk(StaffRequiredMixin, generic.TemplateView):
    """门岗: the guard's phone page. A code scanned or typed is checked at once (POST)."""

    template_name = "gate/desk.html"
    permission = "gate.pass.verify"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.setdefault("title", _("Gate desk"))
        ctx["waiting"] = list(
            selectors.walk_ins(user, self.request.community_id)
            .filter(created_at__gte=timezone.now() - timedelta(hours=12))
            .order_by("-created_at")[:10]
        )
        ctx["gate"] = self.request.session.get("gate-name", "")
        return ctx

    def post(self, request, *args, **kwargs):
        what = request.POST.get("what")
        if "gate" in request.POST:  # the guard's post, kept for the next checks
            request.session["gate-name"] = request.POST["gate"].strip()[:60]
        gate = request.session.get("gate-name", "")
        ctx = {}
        try:
            if what == "pass":
                visitor_pass, _entry = services.verify_pass(
                    actor=request.user, code=request.POST.get("code"), gate=gate
                )
                ctx["passed"] = visitor_pass
            elif what == "release":
                release = services.find_release(actor=request.user, code=request.POST.get("code"))
                ctx["release"] = release
                services.check_release(release)
                ctx["release_ok"] = True
            elif what == "let-out":
                release = selectors.releases(request.user).filter(pk=request.POST.get("id")).first()
                if release is None:
                    raise Http404
                services.release_goods(actor=request.user, release=release)
                messages.success(request, _("The items are let out."))
                return redirect("console:gate-desk")
        except DomainError as exc:
            ctx["refused"] = _error(exc)
            ctx["refused_code"] = exc.code
        return self.render_to_response(self.get_context_data(**ctx))


class WalkInCreate(StaffRequiredMixin, generic.FormView):
    template_name = "gate/walkin_form.html"
    permission = "gate.walkin.register"
    form_class = WalkInForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, community_id=self.request.community_id)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Register a walk-in visitor"), **kwargs)

    def form_valid(self, form):
        try:
            walk_in = services.register_walk_in(
                actor=self.request.user,
                gate=self.request.session.get("gate-name", ""),
                **form.cleaned_data,
            )
        except DomainError as exc:
            for field, errors in exc.fields.items():
                form.add_error(field if field in form.fields else None, errors)
            if not exc.fields:
                form.add_error(None, str(exc.message))
            return self.form_invalid(form)
        return redirect("console:gate-walkin-detail", walk_in.pk)


class WalkInDetail(StaffRequiredMixin, generic.DetailView):
    """What the guard waits on: the resident's answer (the page refreshes while it waits)."""

    template_name = "gate/walkin_detail.html"
    permission = "gate.walkin.view"
    context_object_name = "walk_in"

    def get_queryset(self):
        return selectors.walk_ins(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Walk-in visitor"), pending=self.object.status == WalkInStatus.PENDING, **kwargs
        )


# Managers' lists ---------------------------------------------------------------------------


class PassList(ScopedListView):
    model = VisitorPass
    permission = "gate.pass.view"
    title = gettext_lazy("Visitor passes")
    search_fields = ["visitor_name", "plate"]
    columns = [
        Column("visitor_name", gettext_lazy("visitor's name")),
        Column("house", gettext_lazy("house"), value=_house),
        Column("plate", gettext_lazy("plate number"), raw=True),
        Column("valid_from", gettext_lazy("valid from")),
        Column("valid_until", gettext_lazy("valid until")),
        Column("entries", gettext_lazy("entries"), value=lambda p: f"{p.entries_used}/{p.entries}"),
        Column("state", gettext_lazy("state"), value=lambda p: p.state_at(timezone.now()).label),
    ]

    def base_queryset(self):
        return VisitorPass.objects.select_related("house__building")


class VisitorLog(ScopedListView):
    model = VisitorEntry
    permission = "gate.visitor.view"
    title = gettext_lazy("Visitor log")
    search_fields = ["visitor_name", "plate"]
    columns = [
        Column("at", gettext_lazy("entered at")),
        Column("visitor_name", gettext_lazy("visitor's name")),
        Column("phone_masked", gettext_lazy("visitor's phone"), raw=True),
        Column("house", gettext_lazy("house"), value=_house),
        Column("plate", gettext_lazy("plate number"), raw=True),
        Column("kind", gettext_lazy("kind")),
        Column("gate", pgettext_lazy("pedestrian gate", "gate"), raw=True),
    ]

    def base_queryset(self):
        return VisitorEntry.objects.select_related("house__building")


class WalkInFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=WalkInStatus.choices, label=gettext_lazy("status"))

    class Meta:
        model = WalkIn
        fields = ["status"]


class WalkInList(ScopedListView):
    model = WalkIn
    permission = "gate.walkin.view"
    title = gettext_lazy("Walk-in visitors")
    filterset_class = WalkInFilter
    detail_url_name = "console:gate-walkin-detail"
    create_url_name = "console:gate-walkin-create"
    create_permission = "gate.walkin.register"
    columns = [
        Column("created_at", gettext_lazy("registered at"), link=True),
        Column("visitor_name", gettext_lazy("visitor's name")),
        Column("house", gettext_lazy("house"), value=_house),
        Column("status", gettext_lazy("status")),
        Column("answered_at", gettext_lazy("answered at")),
    ]

    def base_queryset(self):
        return WalkIn.objects.select_related("house__building")


class DoorList(ScopedListView):
    model = Door
    permission = "gate.door.view"
    title = gettext_lazy("Doors")
    search_fields = ["name"]
    columns = [
        Column("name", gettext_lazy("name")),
        Column("kind", gettext_lazy("kind")),
        Column("building", gettext_lazy("building")),
        Column("device", gettext_lazy("device")),
        Column("active", gettext_lazy("in service")),
    ]

    def base_queryset(self):
        return Door.objects.select_related("building", "device")


class CommandList(ScopedListView):
    model = DoorCommand
    permission = "gate.door.view"
    title = gettext_lazy("Door openings")
    columns = [
        Column("created_at", gettext_lazy("requested at")),
        Column("door", gettext_lazy("door")),
        Column("requested_by", gettext_lazy("opened by"), raw=True),
        Column("channel", gettext_lazy("channel")),
        Column("status", gettext_lazy("status")),
        Column("acked_at", gettext_lazy("acknowledged at")),
    ]

    def base_queryset(self):
        return DoorCommand.objects.select_related("door", "requested_by")


class ReleaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=ReleaseStatus.choices, label=gettext_lazy("status")
    )

    class Meta:
        model = ReleasePass
        fields = ["status"]


class ReleaseList(ScopedListView):
    model = ReleasePass
    permission = "gate.release.view"
    title = gettext_lazy("Goods release")
    filterset_class = ReleaseFilter
    columns = [
        Column("date", gettext_lazy("date")),
        Column("house", gettext_lazy("house"), value=_house),
        Column("items", gettext_lazy("items"), value=lambda r: "、".join(r.items), raw=True),
        Column("status", gettext_lazy("status")),
        Column("released_at", gettext_lazy("let out at")),
    ]

    def base_queryset(self):
        return ReleasePass.objects.select_related("house__building")
