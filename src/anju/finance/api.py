"""API of finance: ``POST /api/v1/opening-imports/`` (multipart xlsx: the dry run, kept as an
import), ``POST .../{id}/post/`` and ``.../{id}/reverse/``, the list and detail with the
reconciliation, and ``GET .../template/`` (the empty workbook). Thin over ``services``."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from anju.billing import selectors as billing_selectors
from anju.core import attachments, policy, progress
from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedReadOnlyViewSet, mixins
from anju.core.attachments import XLSX
from anju.core.errors import Conflict, refuse
from anju.core.excel import xlsx_response
from anju.core.models import Community

from . import selectors, services, tasks
from .choices import BuyerKind, Grain, LineStatus, VoucherFormat
from .models import AccountMapping, BankLine, BankStatement, Invoice, InvoiceLine, OpeningImport


class OpeningImportSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    errors = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = OpeningImport
        fields = [
            "id",
            "community",
            "number",
            "filename",
            "status",
            "status_display",
            "rows",
            "errors",
            "totals",
            "reconciliation",
            "reverse_reason",
            "created_at",
            "posted_at",
            "reversed_at",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_errors(self, obj) -> list[dict]:
        return obj.report.get("errors", [])

    def get_totals(self, obj) -> dict:
        return obj.report.get("totals", {})

    def get_allowed_actions(self, obj) -> list[str]:
        return obj.machine.allowed_actions(obj.status)


class OpeningUploadSerializer(serializers.Serializer):
    community = ScopedRelatedField(Community, "finance.opening.change", label=_("community"))
    file = serializers.FileField(label=_("file"))


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, label=_("reason"))


class OpeningImportViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """期初导入: upload a workbook (the dry run answers ``rows``, ``errors`` by sheet, row and
    field, and ``totals``; nothing is written but the import), then post it or, later, reverse
    it as a whole."""

    queryset = OpeningImport.objects.select_related("community")
    serializer_class = OpeningImportSerializer
    permission_prefix = "finance.opening"
    action_permissions = {
        "create": "finance.opening.change",
        "post_import": "finance.opening.change",
        "reverse": "finance.opening.change",
        "template": "finance.opening.view",
    }
    filterset_fields = ["community", "status"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    @extend_schema(request=OpeningUploadSerializer, responses={201: OpeningImportSerializer})
    def create(self, request, *args, **kwargs):
        form = OpeningUploadSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        community = form.validated_data["community"]
        self.check_scope("finance.opening.change", community.pk, community.organization_id)
        upload = attachments.check_workbook(form.validated_data["file"], field="file")
        opening = services.check_opening(
            actor=request.user,
            community=community,
            fileobj=upload,
            filename=getattr(upload, "name", ""),
        )
        data = self.get_serializer(opening).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OpeningImportSerializer, 202: dict})
    @action(detail=True, methods=["post"], url_path="post")
    def post_import(self, request, pk=None):
        """Post the checked import as a whole; one larger than ANJU_FINANCE_OPENING_JOB_ROWS
        rows is a job (202 with the job's id, followed at ``/api/v1/jobs/{id}/``)."""
        opening = self.get_object()
        self.check_scope("finance.opening.change", opening.community_id, opening.organization_id)
        if opening.rows > settings.ANJU_FINANCE_OPENING_JOB_ROWS:
            OpeningImport.machine.check("post", opening.status)
            job = progress.launch(
                "finance.opening_posting",
                tasks.post_opening,
                actor=request.user,
                community=opening.community,
                opening_id=opening.pk,
                actor_id=request.user.pk,
            )
            job.refresh_from_db()
            if job.status == job.Status.FAILED:
                raise Conflict(job.message, code="opening_failed", allowed=["post"])
            if job.status != job.Status.DONE:
                return Response({"job": job.pk, "status": job.status}, status=202)
            opening.refresh_from_db()
        else:
            opening = services.post_opening(actor=request.user, opening=opening)
        return Response(self.get_serializer(opening).data)

    @extend_schema(request=ReverseSerializer, responses=OpeningImportSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Reverse the whole import; 409 with the reason once a payment has touched it."""
        opening = self.get_object()
        self.check_scope("finance.opening.change", opening.community_id, opening.organization_id)
        form = ReverseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        opening = services.reverse_opening(
            actor=request.user, opening=opening, reason=form.validated_data["reason"]
        )
        return Response(self.get_serializer(opening).data)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def template(self, request):
        """The empty opening workbook (期初模板) with one example row per sheet."""
        return xlsx_response(services.template_bytes(), "opening-template.xlsx")


class VoucherEntrySerializer(serializers.Serializer):
    summary = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    debit = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit = serializers.DecimalField(max_digits=14, decimal_places=2)


class VoucherSerializer(serializers.Serializer):
    day = serializers.DateField()
    kind = serializers.CharField()
    summary = serializers.CharField()
    debit = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit = serializers.DecimalField(max_digits=14, decimal_places=2)
    entries = VoucherEntrySerializer(many=True)


def _day(params, name):
    raw = params.get(name)
    value = parse_date(raw) if raw else None
    if value is None:
        refuse(name, _("Enter the date as 2026-12-01."))
    return value


def voucher_request(user, params, perm="finance.voucher.view"):
    """The community, dates and grain of a voucher request, checked: a community outside the
    caller's scope is 404 like a missing one."""
    raw = params.get("community")
    if not raw or not str(raw).isdigit():
        refuse("community", _("Choose the community."))
    community = Community.objects.visible_to(user, perm).filter(pk=int(raw)).first()
    if community is None:
        raise NotFound()
    if not policy.user_has(user, perm, community.pk, community.organization_id):
        raise PermissionDenied()
    grain = params.get("grain") or Grain.DAY
    if grain not in Grain.values:
        refuse("grain", _("Choose day or month."))
    return community, _day(params, "from"), _day(params, "to"), grain


class VoucherViewSet(viewsets.GenericViewSet):
    """记账凭证: ``GET /api/v1/vouchers/?community=&from=&to=&grain=day|month`` lists the
    vouchers of the community's money in those days (every one balances);
    ``&format=kingdee|yonyou`` answers them as the import workbook of 金蝶 or 用友."""

    queryset = Community.objects.all()
    serializer_class = VoucherSerializer
    pagination_class = None

    def perform_content_negotiation(self, request, force=False):
        # ``format`` names the accounting package here, not one of DRF's renderers.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    def required_permission(self):
        return "finance.voucher.view"

    @extend_schema(responses={200: VoucherSerializer(many=True), (200, XLSX): OpenApiTypes.BINARY})
    def list(self, request):
        params = request.query_params
        community, start, end, grain = voucher_request(request.user, params)
        vouchers = services.vouchers_for(community, start, end, grain)
        chart = services.chart_of(community.organization_id)
        layout = params.get("format") or ""
        if layout:
            if layout not in VoucherFormat.values:
                refuse("format", _("Choose kingdee or yonyou."))
            content = services.voucher_workbook(
                vouchers, chart, layout, preparer=request.user.get_full_name() or ""
            )
            return xlsx_response(content, f"vouchers-{layout}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
        return Response(
            [
                {
                    "day": v.day,
                    "kind": v.kind,
                    "summary": v.summary,
                    "debit": v.debit,
                    "credit": v.credit,
                    "entries": [
                        {
                            "summary": summary,
                            "code": chart[role][0],
                            "name": chart[role][1],
                            "debit": debit,
                            "credit": credit,
                        }
                        for summary, role, debit, credit in v.entries
                    ],
                }
                for v in vouchers
            ]
        )


class AccountMappingSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountMapping
        fields = ["id", "organization", "key", "code", "name", "vat_rate", "updated_at"]
        read_only_fields = ["organization", "updated_at"]


class AccountMappingViewSet(ScopedReadOnlyViewSet):
    """科目对照: the company's own accounts per role (the rest are ``DEFAULT_CHART``'s)."""

    queryset = AccountMapping.objects.all()
    serializer_class = AccountMappingSerializer
    permission_prefix = "finance.voucher"
    filterset_fields = ["key"]


class BankLineSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    receipt_number = serializers.CharField(source="payment.receipt_number", default="")

    class Meta:
        model = BankLine
        fields = [
            "id",
            "statement",
            "row",
            "day",
            "amount",
            "serial",
            "reference",
            "counterparty",
            "status",
            "status_display",
            "payment",
            "receipt_number",
            "matched_automatically",
        ]
        read_only_fields = fields


class BankPaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    receipt_number = serializers.CharField()
    paid_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    method = serializers.CharField()
    reference = serializers.CharField()
    house = serializers.CharField()


class BankStatementSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = BankStatement
        fields = [
            "id",
            "community",
            "bank",
            "filename",
            "first_day",
            "last_day",
            "status",
            "status_display",
            "report",
            "created_at",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, obj) -> list[str]:
        return obj.machine.allowed_actions(obj.status)


class StatementUploadSerializer(serializers.Serializer):
    community = ScopedRelatedField(Community, "finance.bank.change", label=_("community"))
    bank = serializers.ChoiceField(
        choices=[(k, v["name"]) for k, v in services.BANK_LAYOUTS.items()]
    )
    file = serializers.FileField(label=_("file"))


class MatchSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, required=False, label=_("statement line"))
    payment = serializers.IntegerField(min_value=1, label=_("payment"))


def _payment_of(line, payment_id):
    payment = billing_selectors.community_payment(line.community_id, payment_id)
    if payment is None:
        refuse("payment", _("No such payment in this community."))
    return payment


class BankStatementViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """银行对账单: ``POST`` a statement (multipart: community, bank, file) and its credit lines
    are matched where one payment fits; ``GET .../{id}/lines/`` lists its lines and the
    payments no line holds, ``POST .../{id}/lines/`` ``{"line", "payment"}`` matches by hand,
    ``POST .../{id}/close/`` closes a fully matched statement."""

    queryset = BankStatement.objects.select_related("community")
    serializer_class = BankStatementSerializer
    permission_prefix = "finance.bank"
    action_permissions = {"create": "finance.bank.change", "close": "finance.bank.change"}
    filterset_fields = ["community", "status"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def required_permission(self):
        if self.action == "lines" and self.request.method == "POST":
            return "finance.bank.change"
        return super().required_permission()

    @extend_schema(request=StatementUploadSerializer, responses={201: BankStatementSerializer})
    def create(self, request, *args, **kwargs):
        form = StatementUploadSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        community = form.validated_data["community"]
        self.check_scope("finance.bank.change", community.pk, community.organization_id)
        upload = form.validated_data["file"]
        statement = services.import_statement(
            actor=request.user,
            community=community,
            bank=form.validated_data["bank"],
            upload=upload,
            filename=getattr(upload, "name", ""),
        )
        return Response(self.get_serializer(statement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MatchSerializer, responses=BankLineSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def lines(self, request, pk=None):
        # Not get_object(): the list's filters (status of a statement) are not the lines'.
        statement = get_object_or_404(self.get_queryset(), pk=pk)
        if request.method == "POST":
            self.check_scope(
                "finance.bank.change", statement.community_id, statement.organization_id
            )
            form = MatchSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            line = statement.lines.filter(pk=form.validated_data.get("line") or 0).first()
            if line is None:
                refuse("line", _("No such line on this statement."))
            line = services.match_line(
                actor=request.user,
                line=line,
                payment=_payment_of(line, form.validated_data["payment"]),
            )
            return Response(BankLineSerializer(line).data)
        status_filter = request.query_params.get("status")
        if status_filter and status_filter not in LineStatus.values:
            refuse("status", _("Choose matched or unmatched."))
        lines = selectors.statement_lines(statement, status_filter)
        page = self.paginate_queryset(lines)
        payments = [
            {
                "id": p.pk,
                "receipt_number": p.receipt_number,
                "paid_on": p.paid_on,
                "amount": p.amount,
                "method": p.method,
                "reference": p.reference,
                "house": str(p.house),
            }
            for p in selectors.unmatched_payments(statement)[:500]
        ]
        data = BankLineSerializer(page if page is not None else lines, many=True).data
        if page is not None:
            response = self.get_paginated_response(data)
            response.data["unmatched_payments"] = BankPaymentSerializer(payments, many=True).data
            return response
        return Response({"results": data, "unmatched_payments": payments})

    @extend_schema(request=None, responses=BankStatementSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        statement = services.close_statement(actor=request.user, statement=self.get_object())
        return Response(self.get_serializer(statement).data)


class BankLineViewSet(ScopedReadOnlyViewSet):
    """银行流水: the statements' lines; ``match`` ``{"payment"}`` by hand and ``unmatch``."""

    queryset = BankLine.objects.select_related("payment")
    serializer_class = BankLineSerializer
    permission_prefix = "finance.bank"
    action_permissions = {"match": "finance.bank.change", "unmatch": "finance.bank.change"}
    filterset_fields = ["community", "statement", "status"]

    @extend_schema(request=MatchSerializer, responses=BankLineSerializer)
    @action(detail=True, methods=["post"])
    def match(self, request, pk=None):
        line = self.get_object()
        self.check_scope("finance.bank.change", line.community_id, line.organization_id)
        form = MatchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        line = services.match_line(
            actor=request.user, line=line, payment=_payment_of(line, form.validated_data["payment"])
        )
        return Response(BankLineSerializer(line).data)

    @extend_schema(request=None, responses=BankLineSerializer)
    @action(detail=True, methods=["post"])
    def unmatch(self, request, pk=None):
        line = self.get_object()
        self.check_scope("finance.bank.change", line.community_id, line.organization_id)
        return Response(
            BankLineSerializer(services.unmatch_line(actor=request.user, line=line)).data
        )


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["id", "bill", "payment", "item", "amount", "vat_rate", "net", "tax", "live"]
        read_only_fields = fields
        extra_kwargs = {
            "bill": {"label": _("bill")},
            "payment": {"label": _("payment")},
            "item": {"label": _("item")},
            "amount": {"label": _("amount")},
            "vat_rate": {"label": _("VAT rate")},
            "net": {"label": _("amount before tax")},
            "tax": {"label": _("tax")},
            "live": {"label": _("live")},
        }


class InvoiceSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(
        source="get_status_display", read_only=True, label=_("status")
    )
    lines = InvoiceLineSerializer(many=True, read_only=True, label=_("lines"))
    email = serializers.CharField(read_only=True, label=_("email"))
    allowed_actions = serializers.SerializerMethodField(label=_("allowed actions"))

    class Meta:
        model = Invoice
        fields = [
            "id",
            "community",
            "house",
            "number",
            "buyer_kind",
            "title",
            "tax_number",
            "email",
            "amount",
            "tax",
            "status",
            "status_display",
            "provider",
            "serial",
            "invoice_code",
            "invoice_number",
            "pdf_url",
            "ofd_url",
            "message",
            "red_serial",
            "red_number",
            "red_pdf_url",
            "reverse_reason",
            "created_at",
            "issued_at",
            "reversed_at",
            "lines",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, obj) -> list[str]:
        return [
            a
            for a in obj.machine.allowed_actions(obj.status)
            if a in ("issue", "reverse", "reject")
        ]


class InvoiceRequestSerializer(serializers.Serializer):
    bills = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=100,
        label=_("bills"),
    )
    payments = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=100,
        label=_("payments"),
    )
    title = serializers.CharField(max_length=100, label=_("invoice title"))
    tax_number = serializers.CharField(
        max_length=30, required=False, allow_blank=True, label=_("tax number")
    )
    email = serializers.EmailField(required=False, allow_blank=True, label=_("email"))
    buyer_kind = serializers.ChoiceField(
        choices=BuyerKind.choices, required=False, label=_("buyer")
    )


class InvoiceViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """电子发票: ``POST /api/v1/invoices/`` with ``bills`` (or ``payments``), ``title`` and,
    for a company, ``tax_number`` asks for an invoice (a resident: for their own homes' paid
    bills); finance issues it (``POST .../{id}/issue/``) through the tax platform and reverses
    it with a red-letter invoice (``POST .../{id}/reverse/`` with ``reason``), which frees its
    bills. A bill or payment is on one live invoice at most (409 ``already_invoiced``)."""

    queryset = Invoice.objects.select_related("community").prefetch_related("lines")
    serializer_class = InvoiceSerializer
    permission_prefix = "finance.invoice"
    action_permissions = {
        "create": "finance.invoice.request",
        "issue": "finance.invoice.issue",
        "reverse": "finance.invoice.issue",
    }
    filterset_fields = ["community", "house", "status"]

    @extend_schema(request=InvoiceRequestSerializer, responses={201: InvoiceSerializer})
    def create(self, request, *args, **kwargs):
        form = InvoiceRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        invoice = services.request_invoice(
            actor=request.user,
            bills=data.get("bills") or (),
            payments=data.get("payments") or (),
            title=data["title"],
            tax_number=data.get("tax_number", ""),
            email=data.get("email", ""),
            buyer_kind=data.get("buyer_kind"),
        )
        return Response(self.get_serializer(invoice).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Issue through the tax platform; the answer says issued (with the number and PDF
        link), issuing (the platform is signing) or failed (with its words; issue again)."""
        invoice = self.get_object()
        self.check_scope("finance.invoice.issue", invoice.community_id, invoice.organization_id)
        invoice = services.issue_invoice(actor=request.user, invoice=invoice)
        return Response(self.get_serializer(invoice).data)

    @extend_schema(request=ReverseSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """红冲: the red-letter invoice of an issued one; its bills may be invoiced again."""
        invoice = self.get_object()
        self.check_scope("finance.invoice.issue", invoice.community_id, invoice.organization_id)
        form = ReverseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        invoice = services.reverse_invoice(
            actor=request.user, invoice=invoice, reason=form.validated_data["reason"]
        )
        return Response(self.get_serializer(invoice).data)


def register(router):
    router.register("opening-imports", OpeningImportViewSet, basename="opening-import")
    router.register("vouchers", VoucherViewSet, basename="voucher")
    router.register("account-mappings", AccountMappingViewSet, basename="account-mapping")
    router.register("bank-statements", BankStatementViewSet, basename="bank-statement")
    router.register("bank-lines", BankLineViewSet, basename="bank-line")
    router.register("invoices", InvoiceViewSet, basename="invoice")
