"""API of the works: renovations (``/api/v1/renovations/`` with approve, reject, inspect, stop,
resume, accept, refund-deposit, acknowledge, add-worker) and the deposits ledger
(``/api/v1/deposits/`` with collect, deduct, refund, and the report). Thin over ``services``;
files (the plan, inspection photos, deduction evidence) come as multipart uploads."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from anju.core import policy
from anju.core.api import query
from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedReadOnlyViewSet, mixins
from anju.core.crypto import mask_middle
from anju.core.models import House, Person

from . import rules, selectors, services
from .models import Deposit, DepositEntry, Inspection, Renovation, Worker

PARSERS = [JSONParser, MultiPartParser, FormParser]
# A plain text field (checked by the service): one enum of payment methods stays billing's.
METHODS_HELP = "cash, bank, pos, wechat or alipay (refunds: cash or bank)"


def _files(request, name):
    return request.FILES.getlist(name) if hasattr(request, "FILES") else []


class DepositEntrySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = DepositEntry
        fields = [
            "id",
            "kind",
            "kind_display",
            "amount",
            "method",
            "reference",
            "reason",
            "balance_after",
            "created_at",
        ]
        read_only_fields = fields


class DepositSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "works.deposit.collect", label=_("house"))
    payer = ScopedRelatedField(
        Person, "core.person.view", required=False, allow_null=True, label=_("payer")
    )
    method = serializers.CharField(
        max_length=10,
        help_text=METHODS_HELP,
        required=False,
        write_only=True,
        label=_("paid or refunded by"),
    )
    reference = serializers.CharField(
        required=False, allow_blank=True, max_length=100, write_only=True
    )
    house_label = serializers.CharField(source="house.label", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    entries = DepositEntrySerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Deposit
        fields = [
            "id",
            "community",
            "house",
            "house_label",
            "payer",
            "kind",
            "description",
            "amount",
            "balance",
            "state",
            "state_display",
            "renovation",
            "move",
            "method",
            "reference",
            "collected_at",
            "closed_at",
            "created_at",
            "entries",
            "allowed_actions",
        ]
        read_only_fields = [
            "community",
            "balance",
            "state",
            "renovation",
            "move",
            "collected_at",
            "closed_at",
            "created_at",
        ]

    def get_allowed_actions(self, obj) -> list[str]:
        return obj.machine.allowed_actions(obj.state)


class DepositCollectSerializer(serializers.Serializer):
    method = serializers.CharField(
        max_length=10, help_text=METHODS_HELP, label=_("paid or refunded by")
    )
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)


class DepositRefundSerializer(serializers.Serializer):
    method = serializers.CharField(
        max_length=10, help_text=METHODS_HELP, label=_("paid or refunded by")
    )
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)


class DepositDeductSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, label=_("amount (¥)"))
    reason = serializers.CharField(max_length=300, label=_("reason"))


class DepositReportLineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    collected = serializers.DecimalField(max_digits=14, decimal_places=2)
    deducted = serializers.DecimalField(max_digits=14, decimal_places=2)
    refunded = serializers.DecimalField(max_digits=14, decimal_places=2)
    held = serializers.DecimalField(max_digits=14, decimal_places=2)


class DepositViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """押金: money held for a house (renovation, cards, keys, tools), never revenue. ``POST``
    opens a deposit (collected at once when ``method`` is given); ``collect``, ``deduct`` (with
    a reason and ``evidence`` files) and ``refund`` move its money; ``report`` sums a
    community's."""

    queryset = Deposit.objects.select_related("house__building").prefetch_related("entries")
    serializer_class = DepositSerializer
    permission_prefix = "works.deposit"
    action_permissions = {
        "create": "works.deposit.collect",
        "collect": "works.deposit.collect",
        "deduct": "works.deposit.refund",
        "refund": "works.deposit.refund",
        "report": "works.deposit.view",
    }
    filterset_fields = {
        "community": ["exact"],
        "house": ["exact"],
        "kind": ["exact"],
        "state": ["exact", "in"],
    }
    ordering_fields = ["created_at", "amount"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        method, reference = data.pop("method", ""), data.pop("reference", "")
        if method:
            serializer.instance = services.collect_deposit(
                actor=self.request.user, method=method, reference=reference, **data
            )
        else:
            serializer.instance = services.open_deposit(actor=self.request.user, **data)

    def _out(self, deposit):
        deposit = self.get_queryset().get(pk=deposit.pk)
        return Response(DepositSerializer(deposit, context=self.get_serializer_context()).data)

    @extend_schema(request=DepositCollectSerializer, responses=DepositSerializer)
    @action(detail=True, methods=["post"])
    def collect(self, request, pk=None):
        deposit = self.get_object()
        form = DepositCollectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._out(
            services.collect(actor=request.user, deposit=deposit, **form.validated_data)
        )

    @extend_schema(request=DepositDeductSerializer, responses=DepositSerializer)
    @action(detail=True, methods=["post"], parser_classes=PARSERS)
    def deduct(self, request, pk=None):
        deposit = self.get_object()
        form = DepositDeductSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.deduct(
            actor=request.user,
            deposit=deposit,
            evidence=_files(request, "evidence"),
            **form.validated_data,
        )
        return self._out(deposit)

    @extend_schema(request=DepositRefundSerializer, responses=DepositSerializer)
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        deposit = self.get_object()
        form = DepositRefundSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._out(
            services.refund(actor=request.user, deposit=deposit, **form.validated_data)
        )

    @extend_schema(
        parameters=[OpenApiParameter("community", int)],
        responses=DepositReportLineSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def report(self, request):
        """Per kind: collected, deducted, refunded, held now (of the caller's scope)."""
        community = query.identifier(request.query_params, "community")
        found = selectors.report(request.user, community)
        return Response(DepositReportLineSerializer(found["lines"], many=True).data)


# --- renovations ---------------------------------------------------------------------------


class RenovationWorkerSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()

    class Meta:
        model = Worker
        fields = ["id", "name", "phone", "trade", "permit", "valid_until"]
        read_only_fields = fields

    def get_phone(self, obj) -> str:
        user = self.context["request"].user
        if not obj.phone or policy.staff_has(user, "core.person.view_contact", obj.community_id):
            return obj.phone
        return mask_middle(obj.phone)


class RenovationInspectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Inspection
        fields = ["id", "findings", "passed", "at"]
        read_only_fields = fields


class RenovationSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "works.renovation.apply", label=_("house"))
    works = serializers.ListField(
        child=serializers.ChoiceField(choices=[(r.code, r.text) for r in rules.NEEDS_APPROVAL]),
        required=False,
        label=_("works needing approval"),
    )
    house_label = serializers.CharField(source="house.label", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    workers = RenovationWorkerSerializer(many=True, read_only=True)
    inspections = RenovationInspectionSerializer(many=True, read_only=True)
    deposit = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Renovation
        fields = [
            "id",
            "community",
            "house",
            "house_label",
            "contractor",
            "contractor_phone",
            "description",
            "starts",
            "ends",
            "works",
            "no_prohibited_works",
            "state",
            "state_display",
            "conditions",
            "reason",
            "acceptance",
            "deposit",
            "workers",
            "inspections",
            "created_at",
            "reviewed_at",
            "accepted_at",
            "refunded_at",
            "acknowledged_at",
            "allowed_actions",
        ]
        read_only_fields = [
            "community",
            "state",
            "conditions",
            "reason",
            "acceptance",
            "created_at",
            "reviewed_at",
            "accepted_at",
            "refunded_at",
            "acknowledged_at",
        ]

    def get_deposit(self, obj) -> dict | None:
        held = services.renovation_deposit(obj)
        if held is None:
            return None
        return {
            "id": held.pk,
            "amount": str(held.amount),
            "balance": str(held.balance),
            "state": held.state,
        }

    def get_allowed_actions(self, obj) -> list[str]:
        return obj.machine.allowed_actions(obj.state)


class RenovationApproveSerializer(serializers.Serializer):
    conditions = serializers.CharField(required=False, allow_blank=True, max_length=1900)
    deposit = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, label=_("deposit (¥)")
    )
    method = serializers.CharField(max_length=10, help_text=METHODS_HELP, required=False)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    fee = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, label=_("fee (¥)")
    )


class RenovationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, label=_("reason"))


class RenovationNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, label=_("note"))


class RenovationInspectSerializer(serializers.Serializer):
    findings = serializers.CharField(max_length=2000, label=_("findings"))
    passed = serializers.BooleanField(required=False, default=True)
    stop = serializers.BooleanField(required=False, default=False)


class RenovationAcceptSerializer(serializers.Serializer):
    checklist = serializers.DictField(child=serializers.BooleanField(), label=_("checklist"))


class RenovationDeductionSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, label=_("amount (¥)"))
    reason = serializers.CharField(max_length=300, label=_("reason"))


class RenovationRefundSerializer(serializers.Serializer):
    deductions = RenovationDeductionSerializer(many=True, required=False)
    method = serializers.CharField(
        max_length=10, help_text=METHODS_HELP, required=False, default="cash"
    )
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)


class RenovationWorkerInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, label=_("name"))
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    trade = serializers.CharField(required=False, allow_blank=True, max_length=50)


class RenovationViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """装修: residents apply for their homes and follow their renovations; the office reviews,
    inspects, stops and resumes, accepts and settles the deposit; the resident acknowledges."""

    queryset = Renovation.objects.select_related("house__building").prefetch_related(
        "workers", "inspections"
    )
    serializer_class = RenovationSerializer
    permission_prefix = "works.renovation"
    parser_classes = PARSERS
    action_permissions = {
        "create": "works.renovation.apply",
        "approve": "works.renovation.review",
        "reject": "works.renovation.review",
        "accept": "works.renovation.review",
        "inspect": "works.renovation.inspect",
        "stop": "works.renovation.inspect",
        "resume": "works.renovation.inspect",
        "refund_deposit": "works.deposit.refund",
        "acknowledge": "works.renovation.acknowledge",
        "add_worker": "works.renovation.apply",
    }
    filterset_fields = {"community": ["exact"], "house": ["exact"], "state": ["exact", "in"]}
    search_fields = ["contractor", "description"]
    ordering_fields = ["created_at", "starts"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.apply(
            actor=self.request.user, plan=_files(self.request, "plan"), **data
        )

    def _out(self, renovation, code=status.HTTP_200_OK):
        renovation = self.get_queryset().get(pk=renovation.pk)
        return Response(
            RenovationSerializer(renovation, context=self.get_serializer_context()).data,
            status=code,
        )

    def _form(self, cls):
        form = cls(data=self.request.data)
        form.is_valid(raise_exception=True)
        return form.validated_data

    @extend_schema(request=RenovationApproveSerializer, responses=RenovationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        renovation = self.get_object()
        data = self._form(RenovationApproveSerializer)
        services.approve(actor=request.user, renovation=renovation, **data)
        return self._out(renovation)

    @extend_schema(request=RenovationReasonSerializer, responses=RenovationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        renovation = self.get_object()
        services.reject(
            actor=request.user, renovation=renovation, **self._form(RenovationReasonSerializer)
        )
        return self._out(renovation)

    @extend_schema(request=RenovationInspectSerializer, responses=RenovationSerializer)
    @action(detail=True, methods=["post"])
    def inspect(self, request, pk=None):
        """An inspection: ``findings``, ``passed``, ``stop`` (a stop-work order at once) and
        ``photos`` (multipart files)."""
        renovation = self.get_object()
        data = self._form(RenovationInspectSerializer)
        services.inspect(
            actor=request.user, renovation=renovation, photos=_files(request, "photos"), **data
        )
        return self._out(renovation)

    @extend_schema(request=RenovationReasonSerializer, responses=RenovationSerializer)
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        renovation = self.get_object()
        data = self._form(RenovationReasonSerializer)
        services.stop_works(actor=request.user, renovation=renovation, **data)
        return self._out(renovation)

    @extend_schema(request=RenovationNoteSerializer, responses=RenovationSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        renovation = self.get_object()
        services.resume(
            actor=request.user, renovation=renovation, **self._form(RenovationNoteSerializer)
        )
        return self._out(renovation)

    @extend_schema(request=RenovationAcceptSerializer, responses=RenovationSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Completion acceptance: ``checklist`` maps each item (``structure_intact``,
        ``water_test`` where the waterproofing changed, ...) to true."""
        renovation = self.get_object()
        services.accept(
            actor=request.user, renovation=renovation, **self._form(RenovationAcceptSerializer)
        )
        return self._out(renovation)

    @extend_schema(request=RenovationRefundSerializer, responses=RenovationSerializer)
    @action(detail=True, methods=["post"], url_path="refund-deposit")
    def refund_deposit(self, request, pk=None):
        renovation = self.get_object()
        data = self._form(RenovationRefundSerializer)
        services.refund_deposit(
            actor=request.user,
            renovation=renovation,
            deductions=[dict(d) for d in data.get("deductions", [])],
            method=data.get("method", "cash"),
            reference=data.get("reference", ""),
            evidence=_files(request, "evidence"),
        )
        return self._out(renovation)

    @extend_schema(request=None, responses=RenovationSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """The resident confirms the deposit's settlement."""
        renovation = self.get_object()
        services.acknowledge(actor=request.user, renovation=renovation)
        return self._out(renovation)

    @extend_schema(request=RenovationWorkerInSerializer, responses=RenovationWorkerSerializer)
    @action(detail=True, methods=["post"], url_path="add-worker")
    def add_worker(self, request, pk=None):
        """A worker with a work permit valid until the renovation's end date."""
        renovation = self.get_object()
        worker = services.add_worker(
            actor=request.user, renovation=renovation, **self._form(RenovationWorkerInSerializer)
        )
        return Response(
            RenovationWorkerSerializer(worker, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


def register(router):
    router.register("renovations", RenovationViewSet, basename="renovation")
    router.register("deposits", DepositViewSet, basename="deposit")
