"""Console pages of the works: renovations (list, page with the actions allowed now), deposits
(list, page with collect / deduct / refund, per house, the report) and handovers / move-outs
(list, page with their steps, start forms). Each button calls its service; a refusal becomes a
message on the page."""

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.billing.choices import MeterKind, recordable_methods
from anju.core import attachments, formats
from anju.core.choices import Relation
from anju.core.console import (
    Column,
    ScopedDetailView,
    ScopedForm,
    ScopedListView,
    ServiceFormView,
    StaffRequiredMixin,
    get_scoped_object,
)
from anju.core.errors import DomainError
from anju.core.models import House, Occupancy, Person

from . import rules, selectors, services
from .choices import DepositState, MoveKind, RenovationState
from .models import Deposit, Move, Renovation

HOUSE = Column("house", _("house"), value=lambda o: o.house.label, raw=True)


def _money(value):
    return formats.money(value) if value is not None else ""


# --- renovations ---------------------------------------------------------------------------


class RenovationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=RenovationState.choices, label=_("state"))

    class Meta:
        model = Renovation
        fields = ["state"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)


class RenovationList(ScopedListView):
    model = Renovation
    permission = "works.renovation.view"
    title = _("Renovations")
    filterset_class = RenovationFilter
    detail_url_name = "console:works-renovation-detail"
    search_fields = ["contractor", "description", "house__number"]
    columns = [
        HOUSE,
        Column("contractor", _("contractor")),
        Column("starts", _("starts")),
        Column("ends", _("ends")),
        Column("state", _("state")),
        Column("created_at", _("applied at")),
    ]

    def base_queryset(self):
        return Renovation.objects.select_related("house__building")


def _rules(codes, table):
    return [(r.text, r.article) for r in table if r.code in set(codes)]


class RenovationDetail(ScopedDetailView):
    model = Renovation
    permission = "works.renovation.view"
    template_name = "works/renovation_detail.html"
    fields = [
        HOUSE,
        Column("applicant", _("applicant")),
        Column("contractor", _("contractor")),
        Column("contractor_phone", _("contractor's phone")),
        Column("dates", _("dates"), value=lambda r: f"{r.starts:%Y-%m-%d} – {r.ends:%Y-%m-%d}"),
        Column("state", _("state")),
        Column("description", _("works")),
        Column("conditions", _("conditions of approval")),
        Column("reason", _("reason")),
        Column("accepted_at", _("works accepted at")),
        Column("refunded_at", _("deposit settled at")),
        Column("acknowledged_at", _("acknowledged by the resident at")),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("house__building", "applicant")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        renovation = self.object
        allowed = set(renovation.machine.allowed_actions(renovation.state))
        review = self.can("works.renovation.review", renovation)
        inspect = self.can("works.renovation.inspect", renovation)
        inspections = list(selectors.inspections_of(renovation))
        photos = (
            attachments.by_object(type(inspections[0]), [i.pk for i in inspections])
            if inspections
            else {}
        )
        for inspection in inspections:
            inspection.photos = photos.get(inspection.pk, [])
        ctx.update(
            title=f"{renovation.house.label} · {renovation.contractor}",
            plan=attachments.of(renovation),
            works=_rules(renovation.works, rules.NEEDS_APPROVAL),
            prohibited=[(r.text, r.article) for r in rules.PROHIBITED],
            source_note=rules.SOURCE_NOTE,
            hours=rules.hours_text(renovation.community.jurisdiction),
            inspections=inspections,
            workers=selectors.workers_of(renovation),
            deposit=services.renovation_deposit(renovation),
            acceptance=services.acceptance_items(renovation),
            can_approve="approve" in allowed and review,
            can_reject="reject" in allowed and review,
            can_inspect="inspect" in allowed and inspect,
            can_stop="stop" in allowed and inspect,
            can_resume="resume" in allowed and inspect,
            can_accept="accept" in allowed and review,
            can_refund="refund-deposit" in allowed and self.can("works.deposit.refund", renovation),
            can_add_worker=renovation.state in (RenovationState.SUBMITTED, RenovationState.APPROVED)
            and self.can("works.renovation.apply", renovation),
            default_deposit=_default_deposit(),
            methods=recordable_methods(),
            refund_methods=[m for m in recordable_methods() if m[0] in ("cash", "bank")],
        )
        return ctx


def _default_deposit():
    from django.conf import settings

    return settings.ANJU_WORKS_RENOVATION_DEPOSIT


def _deductions(post):
    rows = []
    for amount, reason in zip(post.getlist("amount"), post.getlist("reason"), strict=False):
        if str(amount).strip() or str(reason).strip():
            rows.append({"amount": amount, "reason": reason})
    return rows


class RenovationAction(StaffRequiredMixin, generic.View):
    permission = "works.renovation.view"

    def post(self, request, pk, verb):
        renovation = get_scoped_object(Renovation, request.user, pk, "works.renovation.view")
        post, files = request.POST, request.FILES
        calls = {
            "approve": lambda: services.approve(
                actor=request.user,
                renovation=renovation,
                conditions=post.get("conditions", ""),
                deposit=post.get("deposit") or None,
                fee=post.get("fee") or None,
            ),
            "reject": lambda: services.reject(
                actor=request.user, renovation=renovation, reason=post.get("reason", "")
            ),
            "inspect": lambda: services.inspect(
                actor=request.user,
                renovation=renovation,
                findings=post.get("findings", ""),
                passed=post.get("passed") == "1",
                stop=post.get("stop") == "1",
                photos=files.getlist("photos"),
            ),
            "stop": lambda: services.stop_works(
                actor=request.user, renovation=renovation, reason=post.get("reason", "")
            ),
            "resume": lambda: services.resume(
                actor=request.user, renovation=renovation, note=post.get("note", "")
            ),
            "accept": lambda: services.accept(
                actor=request.user,
                renovation=renovation,
                checklist=dict.fromkeys(post.getlist("checklist"), True),
            ),
            "refund-deposit": lambda: services.refund_deposit(
                actor=request.user,
                renovation=renovation,
                deductions=_deductions(post),
                method=post.get("method", "cash"),
                reference=post.get("reference", ""),
                evidence=files.getlist("evidence"),
            ),
            "add-worker": lambda: services.add_worker(
                actor=request.user,
                renovation=renovation,
                name=post.get("name", ""),
                phone=post.get("phone", ""),
                trade=post.get("trade", ""),
            ),
        }
        return _run(request, calls, verb, "console:works-renovation-detail", pk)


# --- deposits ------------------------------------------------------------------------------


class DepositFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=DepositState.choices, label=_("state"))

    class Meta:
        model = Deposit
        fields = ["state", "kind"]


class DepositList(ScopedListView):
    model = Deposit
    permission = "works.deposit.view"
    title = _("Deposits")
    filterset_class = DepositFilter
    detail_url_name = "console:works-deposit-detail"
    search_fields = ["house__number", "description", "payer__name"]
    columns = [
        HOUSE,
        Column("kind", _("kind")),
        Column("description", _("for")),
        Column("amount", _("amount (¥)"), money=True),
        Column("balance", _("held (¥)"), money=True),
        Column("state", _("state")),
        Column("collected_at", _("collected at")),
    ]

    def base_queryset(self):
        return Deposit.objects.select_related("house__building", "payer")


class DepositDetail(ScopedDetailView):
    model = Deposit
    permission = "works.deposit.view"
    template_name = "works/deposit_detail.html"
    fields = [
        HOUSE,
        Column("kind", _("kind")),
        Column("description", _("for")),
        Column("payer", _("payer")),
        Column("amount", _("amount (¥)"), value=lambda d: _money(d.amount)),
        Column("balance", _("held (¥)"), value=lambda d: _money(d.balance)),
        Column("state", _("state")),
        Column("renovation", _("renovation")),
        Column("collected_at", _("collected at")),
        Column("closed_at", _("closed at")),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("house__building", "payer", "renovation")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        deposit = self.object
        allowed = set(deposit.machine.allowed_actions(deposit.state))
        entries = list(selectors.entries_of(deposit))
        evidence = (
            attachments.by_object(type(entries[0]), [e.pk for e in entries]) if entries else {}
        )
        for entry in entries:
            entry.evidence = evidence.get(entry.pk, [])
        ctx.update(
            entries=entries,
            can_collect="collect" in allowed and self.can("works.deposit.collect", deposit),
            can_deduct="deduct" in allowed and self.can("works.deposit.refund", deposit),
            can_refund="refund" in allowed and self.can("works.deposit.refund", deposit),
            methods=recordable_methods(),
            refund_methods=[m for m in recordable_methods() if m[0] in ("cash", "bank")],
        )
        return ctx


class DepositAction(StaffRequiredMixin, generic.View):
    permission = "works.deposit.view"

    def post(self, request, pk, verb):
        deposit = get_scoped_object(Deposit, request.user, pk, "works.deposit.view")
        post = request.POST
        calls = {
            "collect": lambda: services.collect(
                actor=request.user,
                deposit=deposit,
                method=post.get("method", ""),
                reference=post.get("reference", ""),
            ),
            "deduct": lambda: services.deduct(
                actor=request.user,
                deposit=deposit,
                amount=post.get("amount", ""),
                reason=post.get("reason", ""),
                evidence=request.FILES.getlist("evidence"),
            ),
            "refund": lambda: services.refund(
                actor=request.user,
                deposit=deposit,
                method=post.get("method", ""),
                reference=post.get("reference", ""),
            ),
        }
        return _run(request, calls, verb, "console:works-deposit-detail", pk)


class DepositHouses(StaffRequiredMixin, generic.TemplateView):
    """Per house: what is held for it now."""

    permission = "works.deposit.view"
    template_name = "works/deposit_houses.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = selectors.houses_holding(self.request.user, self.request.community_id)
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        ctx.update(
            title=_("Deposits per house"),
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            rows=page.object_list,
        )
        return ctx


class DepositReport(StaffRequiredMixin, generic.TemplateView):
    permission = "works.deposit.view"
    template_name = "works/deposit_report.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("Deposits report"),
            report=selectors.report(self.request.user, self.request.community_id),
        )
        return ctx


# --- handovers and move-outs ---------------------------------------------------------------


class MoveFilter(django_filters.FilterSet):
    class Meta:
        model = Move
        fields = ["kind", "state"]


class MoveList(ScopedListView):
    model = Move
    permission = "works.move.view"
    title = _("Handovers and move-outs")
    filterset_class = MoveFilter
    detail_url_name = "console:works-move-detail"
    search_fields = ["house__number", "person__name"]
    create_url_name = "console:works-move-in-create"
    create_permission = "works.move.manage"
    columns = [
        HOUSE,
        Column("kind", _("kind")),
        Column("person", _("person")),
        Column("on", _("date")),
        Column("state", _("state")),
    ]

    def base_queryset(self):
        return Move.objects.select_related("house__building", "person")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["move_out_url"] = reverse("console:works-move-out-create")
        return ctx


class MoveDetail(ScopedDetailView):
    model = Move
    permission = "works.move.view"
    template_name = "works/move_detail.html"
    fields = [
        HOUSE,
        Column("kind", _("kind")),
        Column("person", _("person")),
        Column("on", _("date")),
        Column("state", _("state")),
        Column("keys", _("keys")),
        Column("cards", _("access cards")),
        Column("arrears", _("owed at move-out (¥)"), value=lambda m: _money(m.arrears)),
        Column("completed_at", _("completed at")),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("house__building", "person")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        move = self.object
        manage = self.can("works.move.manage", move) and move.state == "open"
        items = [
            (code, label, rules.WARRANTY_PARTS.get(part, ""), move.checklist.get(code))
            for code, label, part in services.checklist_of(move)
        ]
        ctx.update(
            is_move_in=move.kind == MoveKind.MOVE_IN,
            items=items,
            readings=[(k, label, move.readings.get(k, "")) for k, label in MeterKind.choices],
            deposits=move.deposits.all()
            if move.kind == MoveKind.MOVE_IN
            else services.refundable(move),
            can_manage=manage,
            methods=recordable_methods(),
            refund_methods=[m for m in recordable_methods() if m[0] in ("cash", "bank")],
            card_deposit=_card_deposit(),
        )
        return ctx


def _card_deposit():
    from django.conf import settings

    return settings.ANJU_WORKS_CARD_DEPOSIT


class MoveAction(StaffRequiredMixin, generic.View):
    permission = "works.move.view"

    def post(self, request, pk, verb):
        move = get_scoped_object(Move, request.user, pk, "works.move.view")
        post = request.POST
        calls = {
            "checklist": lambda: services.check_items(
                actor=request.user,
                move=move,
                results={
                    code: {
                        "ok": post.get(f"ok-{code}") == "1",
                        "note": post.get(f"note-{code}", ""),
                    }
                    for code, _label, _part in services.checklist_of(move)
                    if post.get(f"ok-{code}") in ("0", "1")
                },
            ),
            "readings": lambda: services.record_readings(
                actor=request.user,
                move=move,
                readings={
                    k: post.get(f"reading-{k}")
                    for k in MeterKind.values
                    if str(post.get(f"reading-{k}", "")).strip()
                },
            ),
            "keys": lambda: services.issue_keys(
                actor=request.user,
                move=move,
                keys=post.get("keys") or 0,
                cards=post.get("cards") or 0,
                method=post.get("method", "cash"),
                reference=post.get("reference", ""),
            ),
            "cards": lambda: services.return_cards(
                actor=request.user, move=move, cards=post.get("cards", "")
            ),
            "complete": lambda: services.complete(
                actor=request.user, move=move, method=post.get("method", "cash")
            ),
        }
        return _run(request, calls, verb, "console:works-move-detail", pk)


class MoveInForm(ScopedForm):
    house = forms.ModelChoiceField(queryset=House.objects.none(), label=_("house"))
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("owner receiving"))
    on = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    scoped_fields = {"house": (House, "works.move.manage"), "person": (Person, "core.person.view")}


class MoveOutForm(ScopedForm):
    occupancy = forms.ModelChoiceField(queryset=Occupancy.objects.none(), label=_("tenant"))
    on = forms.DateField(label=_("move-out date"), widget=forms.DateInput(attrs={"type": "date"}))
    scoped_fields = {"occupancy": (Occupancy, "core.occupancy.view")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["occupancy"]
        field.queryset = field.queryset.filter(
            relation=Relation.TENANT, until__isnull=True
        ).select_related("person", "house__building")
        field.label_from_instance = lambda o: f"{o.house.label} · {o.person.name}"


class MoveInCreate(ServiceFormView):
    form_class = MoveInForm
    permission = "works.move.manage"
    title = _("New handover")

    def perform(self, data):
        return services.start_move_in(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:works-move-detail", args=[obj.pk])


class MoveOutCreate(ServiceFormView):
    form_class = MoveOutForm
    permission = "works.move.manage"
    title = _("New move-out")

    def perform(self, data):
        return services.start_move_out(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:works-move-detail", args=[obj.pk])


def _run(request, calls, verb, url_name, pk):
    """Run the posted action ``verb`` (one of ``calls``), tell the outcome, back to the page."""
    if verb not in calls:
        raise PermissionDenied
    try:
        calls[verb]()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done."))
    return redirect(url_name, pk=pk)
