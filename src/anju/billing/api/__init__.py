"""Billing REST API (contract in issue 4): fee-items, billing-runs (+ post), bills, payments
(+ online, callbacks), collection-actions, meter-readings, prepayments, cash-ups, reports."""

from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from anju.core.api import query
from anju.core.api.errors import RelatedNotFound
from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from anju.core.errors import DomainError
from anju.core.models import Building, Community, House

from .. import callbacks, checkout, pdf, providers, reports, services
from ..choices import PayChannel, PaymentMethod, PaymentStatus
from ..models import (
    Bill,
    BillingRun,
    BillLine,
    CashUp,
    FeeItem,
    LateCharge,
    Payment,
    Wallet,
)

MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}


class ServiceCreateMixin:
    """Create checks the action's own permission in the target community, then calls a service."""

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        community_id, organization_id = self.target_scope(data)
        self.check_scope(self.required_permission(), community_id, organization_id)
        serializer.instance = self.create_object(data)


# --- fee items -----------------------------------------------------------------------------------


class FeeItemSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "core.community.view", label=_("community"))
    unit_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        min_value=Decimal("0"),
        coerce_to_string=True,
        label=_("unit price"),
    )
    effective_from = serializers.DateField(required=False, label=_("effective from"))
    standard = serializers.CharField(source="standard_text", read_only=True)

    class Meta:
        model = FeeItem
        fields = [
            "id",
            "community",
            "name",
            "method",
            "cycle",
            "unit_price",
            "unit",
            "basis",
            "applies_to",
            "effective_from",
            "effective_until",
            "published",
            "published_at",
            "tiers",
            "meter_kind",
            "pass_through",
            "surcharge_rate",
            "due_days",
            "late_daily_rate",
            "late_grace_days",
            "late_cap_rate",
            "standard",
            "created_at",
        ]
        read_only_fields = ["published_at"]


class FeeItemViewSet(ServiceCreateMixin, ScopedModelViewSet):
    queryset = FeeItem.objects.select_related("community")
    serializer_class = FeeItemSerializer
    permission_prefix = "billing.feeitem"
    filterset_fields = ["community", "method", "published", "cycle"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create_object(self, data):
        return services.create_fee_item(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("community", None)
        serializer.instance = services.update_fee_item(
            actor=self.request.user, item=serializer.instance, data=data
        )

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        item = services.publish_fee_item(actor=request.user, item=self.get_object())
        return Response(self.get_serializer(item).data)


# --- billing runs --------------------------------------------------------------------------------


class BillingRunSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "core.community.view", label=_("community"))
    building = ScopedRelatedField(
        Building, "core.building.view", required=False, allow_null=True, label=_("building")
    )
    period = serializers.CharField(max_length=7, label=_("period"))
    fee_items = ScopedRelatedField(
        FeeItem, "billing.run.change", many=True, required=False, write_only=True
    )

    class Meta:
        model = BillingRun
        fields = [
            "id",
            "community",
            "building",
            "period",
            "status",
            "preview",
            "result",
            "fee_items",
            "created_at",
            "posted_at",
        ]
        read_only_fields = ["status", "preview", "result", "posted_at"]


class BillingRunViewSet(ServiceCreateMixin, ScopedModelViewSet):
    queryset = BillingRun.objects.select_related("community")
    serializer_class = BillingRunSerializer
    permission_prefix = "billing.run"
    filterset_fields = ["community", "period", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.create_billing_run(
            actor=self.request.user,
            community=data["community"],
            period=data["period"],
            building=data.get("building"),
            items=data.get("fee_items"),
        )

    @action(detail=True, methods=["post"])
    def post(self, request, pk=None):
        run = services.post_billing_run(actor=request.user, run=self.get_object())
        return Response(self.get_serializer(run).data)


# --- bills ---------------------------------------------------------------------------------------


class BillLineSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY)
    fee_item_name = serializers.CharField(source="fee_item.name", read_only=True)
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = BillLine
        fields = [
            "id",
            "fee_item",
            "fee_item_name",
            "kind",
            "period",
            "amount",
            "detail",
            "description",
            "explanation",
        ]
        read_only_fields = fields  # read through a read-only viewset

    def get_explanation(self, line) -> str:
        return reports.explain_line(line)


class LateChargeSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)

    class Meta:
        model = LateCharge
        fields = ["id", "line", "amount", "paid", "as_of", "detail", "waived", "waived_reason"]
        read_only_fields = fields  # read through a read-only viewset


class BillSerializer(serializers.ModelSerializer):
    lines = BillLineSerializer(many=True, read_only=True)
    late_charges = LateChargeSerializer(many=True, read_only=True)
    house_label = serializers.CharField(source="house.label", read_only=True)
    total = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    credited = serializers.DecimalField(**MONEY)
    late_fee = serializers.DecimalField(**MONEY)
    balance = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = Bill
        fields = [
            "id",
            "number",
            "community",
            "house",
            "house_label",
            "period",
            "period_start",
            "period_end",
            "due_date",
            "payer_kind",
            "payer_name",
            "status",
            "lines",
            "late_charges",
            "total",
            "paid",
            "credited",
            "late_fee",
            "balance",
            "created_at",
        ]
        read_only_fields = fields  # read through a read-only viewset


class CreditSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    reason = serializers.CharField(max_length=300)


class WaiveSerializer(serializers.Serializer):
    late_charge = serializers.IntegerField()
    reason = serializers.CharField(max_length=300)


class BillViewSet(ScopedReadOnlyViewSet):
    queryset = (
        Bill.objects.select_related("house__building")
        .prefetch_related(
            Prefetch("lines", queryset=BillLine.objects.select_related("fee_item")), "late_charges"
        )
        .order_by("-period_start", "id")
    )
    serializer_class = BillSerializer
    permission_prefix = "billing.bill"
    filterset_fields = ["house", "period", "status", "community", "payer_kind"]
    action_permissions = {
        "credit": "billing.bill.credit",
        "waive_late": "billing.latecharge.waive",
        "pdf": "billing.bill.view",
    }

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        bill = self.get_object()
        return pdf.response(pdf.bill_pdf(bill), f"bill-{bill.pk}")

    @action(detail=True, methods=["post"])
    def credit(self, request, pk=None):
        bill = self.get_object()
        s = CreditSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        line = BillLine.objects.filter(pk=s.validated_data["line"], bill=bill).first()
        if line is None:  # only this bill's lines: any other id is unknown here
            raise RelatedNotFound("line")
        note = services.issue_credit_note(
            actor=request.user,
            line=line,
            amount=s.validated_data["amount"],
            reason=s.validated_data["reason"],
        )
        bill.refresh_from_db()
        return Response(
            {
                "credit_note": note.number,
                "amount": str(note.amount),
                "bill": self.get_serializer(self.get_queryset().get(pk=bill.pk)).data,
            },
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["post"], url_path="waive-late")
    def waive_late(self, request, pk=None):
        bill = self.get_object()
        s = WaiveSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        lc = LateCharge.objects.filter(pk=s.validated_data["late_charge"], bill=bill).first()
        if lc is None:  # only this bill's late charges
            raise RelatedNotFound("late_charge")
        services.waive_late_charge(
            actor=request.user, late_charge=lc, reason=s.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=bill.pk)).data)


# --- payments ------------------------------------------------------------------------------------


class PaymentSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "core.house.view", label=_("house"))
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        coerce_to_string=True,
        label=_("amount"),
    )
    idempotency_key = serializers.CharField(max_length=80, required=False, allow_blank=True)
    to_wallet = serializers.DecimalField(**MONEY, read_only=True)
    house_label = serializers.CharField(source="house.label", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "house",
            "house_label",
            "amount",
            "method",
            "idempotency_key",
            "reference",
            "payer_name",
            "status",
            "receipt_number",
            "to_wallet",
            "for_developer",
            "paid_on",
            "paid_at",
            "received_by",
            "created_at",
        ]
        read_only_fields = ["status", "receipt_number", "paid_on", "paid_at", "received_by"]
        extra_kwargs = {
            "for_developer": {
                "help_text": _(
                    "The developer pays its own bills of the house (before delivery): only "
                    "those are settled, and the amount can be no more than they come to."
                )
            }
        }


class OnlinePaymentSerializer(serializers.Serializer):
    """Either ``bills`` (the payer's own open bills, one home) and ``channel``, or ``house``
    (and optionally ``amount``) for what the house owes, oldest first."""

    bills = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=120,
        help_text=_("Your own open bills, of one home. The amount is what they owe."),
    )
    channel = serializers.ChoiceField(
        choices=PayChannel.choices,
        required=False,
        help_text=_(
            "jsapi inside WeChat, h5 in a phone browser, native (QR code) on a computer, "
            "alipay_wap / alipay_page for Alipay."
        ),
    )
    house = ScopedRelatedField(House, "billing.payment.online", label=_("house"), required=False)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    idempotency_key = serializers.CharField(max_length=80, required=False, allow_blank=True)

    def validate(self, attrs):
        if "bills" in attrs:
            if "channel" not in attrs:
                raise serializers.ValidationError({"channel": [_("Required with bills.")]})
            if "house" in attrs or attrs.get("amount") is not None:
                raise serializers.ValidationError(
                    {"bills": [_("Send bills or house and amount, not both.")]}
                )
        elif "house" not in attrs:
            raise serializers.ValidationError({"bills": [_("Choose the bills to pay.")]})
        return attrs


ONLINE_STARTED = inline_serializer(
    "OnlinePaymentStarted", {"payment": PaymentSerializer(), "order": serializers.JSONField()}
)


class PaymentViewSet(ServiceCreateMixin, ScopedModelViewSet):
    queryset = Payment.objects.select_related("house__building")
    serializer_class = PaymentSerializer
    permission_prefix = "billing.payment"
    filterset_fields = ["house", "method", "status", "paid_on", "community"]
    action_permissions = {
        "create": "billing.payment.create",
        "online": "billing.payment.online",
        "cancel": "billing.payment.online",
        "receipt": "billing.payment.view",
    }
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        data = request.data.copy() if hasattr(request.data, "copy") else dict(request.data)
        if not data.get("idempotency_key") and request.headers.get("Idempotency-Key"):
            data["idempotency_key"] = request.headers["Idempotency-Key"]
        serializer = self.get_serializer(data=data)
        serializer.is_valid(raise_exception=True)
        key = serializer.validated_data.get("idempotency_key") or ""
        house = serializer.validated_data["house"]
        replay = (
            bool(key)
            and Payment.objects.filter(
                organization_id=house.organization_id, idempotency_key=key
            ).exists()
        )
        self.perform_create(serializer)
        return Response(
            self.get_serializer(serializer.instance).data,
            status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED,
        )

    def create_object(self, data):
        return services.record_payment(
            actor=self.request.user,
            house=data["house"],
            amount=data["amount"],
            method=data["method"],
            idempotency_key=data.get("idempotency_key", ""),
            reference=data.get("reference", ""),
            payer_name=data.get("payer_name", ""),
            developer=data.get("for_developer", False),
        )

    @extend_schema(
        request=OnlinePaymentSerializer,
        responses={201: ONLINE_STARTED},
    )
    @action(detail=False, methods=["post"])
    def online(self, request):
        """Start paying online. With ``bills`` and ``channel``: 201 with the payment and the
        order the device needs (``order.jsapi``: the getBrandWCPayRequest parameters;
        ``order.h5_url``; ``order.code_url``; ``order.pay_url``: where to send the browser),
        200 when the same bills are already pending on the same channel (the order again);
        409 ``payment_pending`` naming the allowed actions when they are pending otherwise;
        404 for bills that are not the caller's."""
        s = OnlinePaymentSerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        if "bills" in s.validated_data:
            payment, order, created = checkout.begin(
                request, s.validated_data["bills"], s.validated_data["channel"]
            )
            return Response(
                {"payment": self.get_serializer(payment).data, "order": order},
                status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            )
        house = s.validated_data["house"]
        self.check_scope("billing.payment.online", house.community_id)
        key = s.validated_data.get("idempotency_key") or request.headers.get("Idempotency-Key", "")
        name = providers.provider_name()
        adapter = providers.get_provider(name)  # unconfigured: refused before anything is stored
        replay = (
            bool(key)
            and Payment.objects.filter(
                organization_id=house.organization_id, idempotency_key=key
            ).exists()
        )
        payment = services.start_online_payment(
            actor=request.user,
            house=house,
            amount=s.validated_data.get("amount"),
            provider=name,
            idempotency_key=key,
        )
        order = adapter.create_order(payment)
        return Response(
            {"payment": self.get_serializer(payment).data, "order": order},
            status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: PaymentSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Give up a pending online payment of one's own (its bills can be paid again); the
        provider's order is closed. 409 unless pending."""
        payment = self.get_object()
        if payment.house_id not in set(request.user.resident_house_ids()) or payment.method not in (
            PaymentMethod.WECHAT,
            PaymentMethod.ALIPAY,
            PaymentMethod.TEST,
        ):
            raise Http404
        payment = checkout.cancel(request, payment)
        return Response(self.get_serializer(payment).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def receipt(self, request, pk=None):
        payment = self.get_object()
        if payment.status != PaymentStatus.SUCCEEDED:
            raise DomainError(_("Only a completed payment has a receipt."), code="no_receipt")
        return pdf.response(pdf.receipt_pdf(payment), payment.receipt_number)


# --- prepayments and cash-ups --------------------------------------------------------------------


class WalletSerializer(serializers.ModelSerializer):
    balance = serializers.DecimalField(**MONEY)
    house_label = serializers.CharField(source="house.label", read_only=True)
    prepay_room = serializers.SerializerMethodField()

    class Meta:
        model = Wallet
        fields = ["id", "house", "house_label", "balance", "prepay_room"]
        read_only_fields = fields  # read through a read-only viewset

    def get_prepay_room(self, wallet) -> str:
        return str(services.prepay_room(wallet.house, wallet))


class RefundSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    reason = serializers.CharField(max_length=300)


class WalletViewSet(ScopedReadOnlyViewSet):
    queryset = Wallet.objects.select_related("house__building")
    serializer_class = WalletSerializer
    permission_prefix = "billing.payment"
    filterset_fields = ["house", "community"]
    action_permissions = {"refund": "billing.refund.create"}

    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        wallet = self.get_object()
        s = RefundSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        entry = services.refund_prepayment(
            actor=request.user, house=wallet.house, **s.validated_data
        )
        return Response(
            {"refunded": str(-entry.amount), "balance": str(entry.balance_after)},
            status=status.HTTP_201_CREATED,
        )


class CashUpSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "core.community.view", label=_("community"))
    total = serializers.DecimalField(**MONEY, read_only=True)
    day = serializers.DateField(required=False)

    class Meta:
        model = CashUp
        fields = ["id", "community", "day", "totals", "count", "total", "closed_by", "closed_at"]
        read_only_fields = ["totals", "count", "closed_by", "closed_at"]


class CashUpViewSet(ServiceCreateMixin, ScopedModelViewSet):
    queryset = CashUp.objects.all()
    serializer_class = CashUpSerializer
    permission_prefix = "billing.payment"
    filterset_fields = ["community", "day"]
    action_permissions = {"create": "billing.payment.create", "report": "billing.payment.view"}
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.close_cash_up(
            actor=self.request.user,
            community=data["community"],
            day=data.get("day") or timezone.localdate(),
        )

    @action(detail=False, methods=["get"])
    def report(self, request):
        community = get_object_or_404(
            Community.objects.visible_to(request.user, "billing.payment.view"),
            pk=query.identifier(request.query_params, "community") or 0,
        )
        day = query.day(request.query_params, "day", timezone.localdate())
        return Response(services.cash_up_report(community, day))


from .collections import (  # noqa: E402 (they use the mixin above)
    CollectionActionViewSet,
    MeterReadingViewSet,
    billing_report,
)


def register(router):
    router.register("fee-items", FeeItemViewSet, basename="fee-item")
    router.register("billing-runs", BillingRunViewSet, basename="billing-run")
    router.register("bills", BillViewSet, basename="bill")
    router.register("payments", PaymentViewSet, basename="payment")
    router.register("prepayments", WalletViewSet, basename="prepayment")
    router.register("cash-ups", CashUpViewSet, basename="cash-up")
    router.register("meter-readings", MeterReadingViewSet, basename="meter-reading")
    router.register("collection-actions", CollectionActionViewSet, basename="collection-action")


urlpatterns = [
    path(
        "payments/callback/<str:provider>/",
        callbacks.payment_callback,
        name="billing-payment-callback",
    ),
    path("billing-reports/<str:kind>/", billing_report, name="billing-report"),
]
