"""Console lists and pages: fee items, billing runs, payments, collection steps, meter readings."""

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import generic

from anju.core import policy, progress
from anju.core.console import (
    Column,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    StaffRequiredMixin,
)
from anju.core.errors import DomainError
from anju.core.models import Job

from .. import calc, pdf, selectors, services, tasks
from ..choices import PaymentMethod, PaymentStatus
from ..forms import CollectionForm, DeliveryForm, ImportReadingsForm, RunForm
from ..models import Bill, BillingRun, CollectionAction, FeeItem, MeterReading, Payment

# --- console: lists ------------------------------------------------------------------------------


class FeeItemList(ScopedListView):
    model = FeeItem
    permission = "billing.feeitem.view"
    title = _("Fee items")
    columns = [
        Column("name", _("name")),
        Column("community__name", _("community")),
        Column("method", _("method")),
        Column("unit_price", _("unit price"), align="right"),
        Column("unit", _("unit")),
        Column("basis", _("pricing basis")),
        Column("effective_from", _("effective from")),
        Column("published", _("published")),
    ]
    search_fields = ["name"]


class BillingRunList(ScopedListView):
    model = BillingRun
    permission = "billing.run.view"
    title = _("Billing runs")
    detail_url_name = "console:billing-run-detail"
    create_url_name = "console:billing-run-create"
    create_permission = "billing.run.change"
    columns = [
        Column("period", _("period")),
        Column("community__name", _("community")),
        Column("status", _("status")),
        Column(
            "total",
            _("total"),
            money=True,
            value=lambda r: (r.result or r.preview).get("total", ""),
        ),
        Column("created_at", _("created at")),
    ]


def _job_next(request, job, done_message=None):
    """Where the console goes after launching ``job``: its result when it is done already (the
    embedded mode runs jobs at once), its refusal as a message, or the page that follows it."""
    job.refresh_from_db()
    if job.status == Job.Status.DONE and (job.result or {}).get("url"):
        if done_message:
            messages.success(request, done_message)
        return job.result["url"]
    if job.status == Job.Status.FAILED:
        messages.error(request, job.message)
        return request.path
    return reverse("console:job-page", args=[job.pk])


class BillingRunCreate(ServiceFormView):
    form_class = RunForm
    permission = "billing.run.change"
    title = _("New billing run (preview)")

    def perform(self, data):
        if not policy.staff_has(self.request.user, "billing.run.change", data["community"].pk):
            raise PermissionDenied
        calc.parse_period(data["period"])  # a mistyped period stays on the form
        # A large community takes a while: the run is a job (at once in the embedded mode,
        # where a refusal then lands on the form like any other).
        job = progress.launch(
            "billing.run.preview",
            tasks.preview_run,
            community=data["community"],
            community_id=data["community"].pk,
            period=data["period"],
            actor_id=self.request.user.pk,
            actor=self.request.user,
        )
        job.refresh_from_db()
        if job.status == Job.Status.FAILED:
            raise DomainError(job.message)
        return job

    def success_url_for(self, job):
        return _job_next(self.request, job)


class BillingRunDetail(ScopedDetailView):
    model = BillingRun
    permission = "billing.run.view"
    template_name = "billing/run_detail.html"

    def post(self, request, pk):
        run = self.get_object()
        if not self.can("billing.run.change", run):
            raise PermissionDenied
        job = progress.launch(
            "billing.run.post",
            tasks.post_run,
            community=run.community,
            run_id=run.pk,
            actor_id=request.user.pk,
            actor=request.user,
        )
        return redirect(_job_next(request, job, done_message=_("Posted.")))


class PaymentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PaymentStatus.choices, label=_("status"))
    method = django_filters.ChoiceFilter(choices=PaymentMethod.choices, label=_("method"))
    paid_on = django_filters.DateFilter(
        label=_("paid on"), widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Payment
        fields = ["status", "method", "paid_on"]


class PaymentList(ScopedListView):
    model = Payment
    permission = "billing.payment.view"
    title = _("Payments")
    filterset_class = PaymentFilter
    columns = [
        Column("receipt_number", _("receipt number")),
        Column("house", _("house")),
        Column("amount", _("amount"), money=True),
        Column("method", _("method")),
        Column("status", _("status")),
        Column("paid_at", _("paid at")),
    ]
    search_fields = ["receipt_number", "house__number"]

    def base_queryset(self):
        return Payment.objects.select_related("house__building")


class CollectionList(ScopedListView):
    model = CollectionAction
    permission = "billing.collection.view"
    title = _("Collection actions")
    detail_url_name = "console:billing-collection-detail"
    create_url_name = "console:billing-collection-create"
    create_permission = "billing.collection.act"
    columns = [
        Column("number", pgettext_lazy("document number", "number")),
        Column("house", _("house")),
        Column("kind", _("kind")),
        Column("status", _("status")),
        Column("amount", _("arrears claimed"), money=True),
        Column("deadline", _("pay by")),
        Column("delivered_at", _("delivered at")),
        Column("delivery_proof", _("proof of delivery")),
    ]

    def base_queryset(self):
        return CollectionAction.objects.select_related("house__building")


class CollectionDetail(ScopedDetailView):
    """One ladder step: facts, delivery with evidence, the case packet, the house's other steps."""

    model = CollectionAction
    permission = "billing.collection.view"
    template_name = "billing/collection_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        # The owner's ladder, the owner's bills.
        bills = selectors.of_party(
            selectors.open_bills(Bill.objects.filter(house=obj.house))
        ).order_by("due_date")
        ctx.update(
            can_act=self.can("billing.collection.act", obj),
            form=kwargs.get("form") or DeliveryForm(),
            steps=CollectionAction.objects.filter(house=obj.house).order_by("created_at"),
            clocks=[(b, services.limitation(b)) for b in bills],
            allowed=CollectionAction.machine.allowed_actions(obj.status),
        )
        return ctx

    def post(self, request, pk):
        self.object = obj = self.get_object()
        if not self.can("billing.collection.act", obj):
            raise PermissionDenied
        try:
            if request.POST.get("do") == "close":
                services.close_collection_action(actor=request.user, action=obj)
            else:
                form = DeliveryForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                services.deliver_collection_action(
                    actor=request.user,
                    action=obj,
                    method=form.cleaned_data["delivery_method"],
                    proof=form.cleaned_data["delivery_proof"],
                )
            messages.success(request, _("Saved."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("console:billing-collection-detail", pk=pk)


class CasePacketView(StaffRequiredMixin, generic.View):
    permission = "billing.collection.view"

    def get(self, request, pk):
        action = get_object_or_404(
            CollectionAction.objects.visible_to(request.user, self.permission), pk=pk
        )
        response = HttpResponse(pdf.case_packet_pdf(action.house), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="case-{action.house_id}.pdf"'
        return response


class CollectionCreate(ServiceFormView):
    form_class = CollectionForm
    permission = "billing.collection.act"
    title = _("New collection action")

    def get_initial(self):
        return {"house": self.request.GET.get("house"), "kind": self.request.GET.get("kind")}

    def perform(self, data):
        if not policy.staff_has(
            self.request.user, "billing.collection.act", data["house"].community_id
        ):
            raise PermissionDenied
        return services.create_collection_action(
            actor=self.request.user, house=data["house"], kind=data["kind"], note=data["note"]
        )

    def success_url_for(self, obj):
        return reverse("console:billing-collection-detail", args=[obj.pk])


class ImportReadings(ServiceFormView):
    form_class = ImportReadingsForm
    permission = "billing.meter.change"
    title = _("Import meter readings")

    def perform(self, data):
        if not policy.staff_has(self.request.user, "billing.meter.change", data["community"].pk):
            raise PermissionDenied
        created, errors = services.import_readings(
            actor=self.request.user, community=data["community"], fileobj=data["file"]
        )
        messages.info(self.request, _("%(n)s readings imported.") % {"n": created})
        for row, message in errors[:20]:
            messages.error(
                self.request, _("Row %(row)s: %(message)s") % {"row": row, "message": message}
            )
        return None

    def success_url_for(self, obj):
        return reverse("console:billing-reading-list")


class MeterReadingList(ScopedListView):
    model = MeterReading
    permission = "billing.meter.change"
    title = _("Meter readings")
    create_url_name = "console:billing-reading-import"
    create_permission = "billing.meter.change"
    columns = [
        Column("house", _("house")),
        Column("meter__kind", _("kind")),
        Column("read_on", _("read on")),
        Column("previous_value", _("previous reading"), align="right"),
        Column("value", _("reading"), align="right"),
        Column("usage", _("usage"), align="right"),
        Column("status", _("status")),
        Column("flag_reason", _("flag reason")),
    ]

    def base_queryset(self):
        return MeterReading.objects.select_related("house__building", "meter")
