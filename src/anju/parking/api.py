"""API of parking: lots, spaces, vehicles, fee rules, passes (CRUD over the services), the gates'
events (staff token or ``Authorization: Gateway <key>``) and the sessions with their quote and
payment. Thin over ``services``."""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from anju.core.api.authentication import GatewayAuthentication
from anju.core.api.errors import RelatedNotFound
from anju.core.api.fields import ScopedRelatedField
from anju.core.api.permissions import RolePermission
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, mixins
from anju.core.errors import refuse
from anju.core.models import Community, House, Person

from . import services, share_api
from .choices import ContractKind, Direction, PassPeriod, PayMethod
from .models import (
    FeeRule,
    Gate,
    ParkingEvent,
    ParkingLot,
    ParkingSpace,
    Pass,
    PassPrice,
    PassTerm,
    Session,
    SpaceContract,
    Vehicle,
)
from .plates import normalize

WRITE = ("create", "update", "partial_update")
MAX_ID = 2**63 - 1
NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


def _manage(perm):
    return dict.fromkeys(WRITE, perm)


class ParkingLotSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "parking.lot.manage", label=_("community"))

    class Meta:
        model = ParkingLot
        fields = ["id", "community", "name", "kind", "common_part", "active", "created_at"]
        read_only_fields = ["created_at"]


class LotScopedViewSet(ScopedModelViewSet):
    """A viewset of rows that live in a lot: the lot names the community."""

    http_method_names = NO_DELETE

    def target_scope(self, data):
        lot = data.get("lot")
        if lot is not None:
            return lot.community_id, lot.organization_id
        return super().target_scope(data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        for fixed in ("lot", "community", "vehicle", "house"):
            data.pop(fixed, None)  # a row stays where it was created
        serializer.instance = self.update_object(serializer.instance, data)


class ParkingLotViewSet(LotScopedViewSet):
    """停车场: the community's lots (ground, underground, mechanical)."""

    queryset = ParkingLot.objects.select_related("community")
    serializer_class = ParkingLotSerializer
    permission_prefix = "parking.lot"
    action_permissions = _manage("parking.lot.manage")
    filterset_fields = ["community", "kind", "active"]
    search_fields = ["name"]

    def create_object(self, data):
        return services.save_lot(actor=self.request.user, **data)

    def update_object(self, obj, data):
        return services.save_lot(actor=self.request.user, lot=obj, **data)


class ParkingSpaceSerializer(serializers.ModelSerializer):
    lot = ScopedRelatedField(ParkingLot, "parking.lot.manage", label=_("parking lot"))
    house = ScopedRelatedField(
        House, "core.house.view", required=False, allow_null=True, label=_("house")
    )
    holder = ScopedRelatedField(
        Person, "core.person.view", required=False, allow_null=True, label=_("holder")
    )

    class Meta:
        model = ParkingSpace
        fields = ["id", "lot", "number", "kind", "house", "holder", "state"]


class ParkingSpaceViewSet(LotScopedViewSet):
    """车位: the spaces of the lots (owned, rented, public, visitor, accessible, EV)."""

    queryset = ParkingSpace.objects.select_related("lot")
    serializer_class = ParkingSpaceSerializer
    permission_prefix = "parking.lot"
    action_permissions = _manage("parking.lot.manage")
    filterset_fields = ["community", "lot", "kind", "state", "house"]
    search_fields = ["number"]

    def create_object(self, data):
        return services.save_space(actor=self.request.user, **data)

    def update_object(self, obj, data):
        return services.save_space(actor=self.request.user, space=obj, **data)


class ParkingVehicleSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "parking.vehicle.manage", label=_("house"))
    person = ScopedRelatedField(
        Person, "core.person.view", required=False, allow_null=True, label=_("owner of the vehicle")
    )
    plate = serializers.CharField(max_length=20, label=_("plate number"))

    class Meta:
        model = Vehicle
        fields = ["id", "house", "plate", "person", "active", "created_at"]
        read_only_fields = ["created_at"]


class VehicleViewSet(LotScopedViewSet):
    """车辆: the vehicles of the houses (a plate is active once per company)."""

    queryset = Vehicle.objects.select_related("house")
    serializer_class = ParkingVehicleSerializer
    permission_prefix = "parking.vehicle"
    action_permissions = _manage("parking.vehicle.manage")
    filterset_fields = ["community", "house", "active"]
    search_fields = ["plate"]

    def get_queryset(self):
        queryset = super().get_queryset()
        plate = self.request.query_params.get("plate")
        return queryset.filter(plate=normalize(plate)) if plate else queryset

    def create_object(self, data):
        return services.save_vehicle(actor=self.request.user, **data)

    def update_object(self, obj, data):
        return services.save_vehicle(actor=self.request.user, vehicle=obj, **data)


class ParkingRuleSerializer(serializers.ModelSerializer):
    lot = ScopedRelatedField(ParkingLot, "parking.lot.manage", label=_("parking lot"))

    class Meta:
        model = FeeRule
        fields = ["id", "lot", *services.RULE_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]


class FeeRuleViewSet(LotScopedViewSet):
    """临停收费标准: one fee rule per lot."""

    queryset = FeeRule.objects.select_related("lot")
    serializer_class = ParkingRuleSerializer
    permission_prefix = "parking.lot"
    action_permissions = _manage("parking.lot.manage")
    filterset_fields = ["community", "lot"]

    def create_object(self, data):
        return services.save_rule(actor=self.request.user, **data)

    def update_object(self, obj, data):
        return services.save_rule(actor=self.request.user, rule=obj, **data)


class ParkingPassSerializer(serializers.ModelSerializer):
    vehicle = ScopedRelatedField(Vehicle, "parking.vehicle.view", label=_("vehicle"))
    lot = ScopedRelatedField(ParkingLot, "parking.pass.manage", label=_("parking lot"))
    space = ScopedRelatedField(
        ParkingSpace, "parking.lot.view", required=False, allow_null=True, label=_("parking space")
    )
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    ends = serializers.DateField(required=False, label=_("valid until"))
    period = serializers.ChoiceField(
        choices=PassPeriod.choices, required=False, allow_blank=True, label=_("period")
    )

    class Meta:
        model = Pass
        fields = [
            "id",
            "vehicle",
            "plate",
            "lot",
            "space",
            "starts",
            "ends",
            "period",
            "price",
            "active",
            "created_at",
        ]
        read_only_fields = ["created_at", "active"]


class ParkingPassTermSerializer(serializers.ModelSerializer):
    bill = serializers.SerializerMethodField()

    class Meta:
        model = PassTerm
        fields = ["id", "kind", "period", "starts", "ends", "amount", "paid_at", "bill"]
        read_only_fields = fields

    def get_bill(self, obj) -> int | None:
        bill = services.term_bill(obj)
        return bill.pk if bill else None


class ParkingRenewSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PassPeriod.choices, required=False)


class PassViewSet(LotScopedViewSet):
    """月卡: passes of vehicles in a lot. A pass with ``period`` is sold at the lot's published
    price (its end follows from the period); a priced pass is billed to the vehicle's house and
    in force once paid. ``renew`` bills the next period from the pass's end."""

    queryset = Pass.objects.select_related("vehicle", "lot")
    serializer_class = ParkingPassSerializer
    permission_prefix = "parking.pass"
    action_permissions = {**_manage("parking.pass.manage"), "renew": "parking.pass.manage"}
    filterset_fields = {"community": ["exact"], "lot": ["exact"], "ends": ["gte", "lte"]}

    def create_object(self, data):
        period = data.pop("period", "") or ""
        if period:
            ends = data.pop("ends", None)
            data.pop("price", None)
            sold = services.sell_pass(actor=self.request.user, period=period, **data)
            if ends is not None and ends != sold.ends:
                refuse("ends", _("A pass of this period ends on %(d)s.") % {"d": sold.ends})
            return sold
        if data.get("ends") is None:
            refuse("ends", _("Enter the last day of the pass, or choose its period."))
        return services.save_pass(actor=self.request.user, **data)

    def update_object(self, obj, data):
        data.pop("period", None)
        return services.save_pass(actor=self.request.user, pass_=obj, **data)

    @extend_schema(request=ParkingRenewSerializer, responses=ParkingPassTermSerializer)
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        """续费: bill the next period of the pass (from its end) at the published price."""
        form = ParkingRenewSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        term = services.renew_pass(
            actor=request.user, pass_=self.get_object(), period=form.validated_data.get("period")
        )
        return Response(ParkingPassTermSerializer(term).data, status=201)


class ParkingPassPriceSerializer(serializers.ModelSerializer):
    lot = ScopedRelatedField(ParkingLot, "parking.lot.manage", label=_("parking lot"))

    class Meta:
        model = PassPrice
        fields = ["id", "lot", "period", "amount", "updated_at"]
        read_only_fields = ["updated_at"]


class PassPriceViewSet(LotScopedViewSet):
    """月卡价格 (明码标价): the published price of each period kind in a lot."""

    queryset = PassPrice.objects.select_related("lot")
    serializer_class = ParkingPassPriceSerializer
    permission_prefix = "parking.lot"
    action_permissions = _manage("parking.lot.manage")
    filterset_fields = ["community", "lot", "period"]

    def create_object(self, data):
        return services.set_pass_price(actor=self.request.user, **data)

    def update_object(self, obj, data):
        data.setdefault("period", obj.period)
        data.setdefault("amount", obj.amount)
        data.pop("lot", None)
        return services.set_pass_price(actor=self.request.user, lot=obj.lot, **data)


class ParkingSpaceContractSerializer(serializers.ModelSerializer):
    space = ScopedRelatedField(ParkingSpace, "parking.lot.manage", label=_("parking space"))
    person = ScopedRelatedField(Person, "core.person.view", label=_("buyer or tenant"))
    house = ScopedRelatedField(
        House, "core.house.view", required=False, allow_null=True, label=_("home in the community")
    )
    months = serializers.IntegerField(
        required=False, min_value=1, max_value=120, write_only=True, label=_("months")
    )
    starts = serializers.DateField(required=False, label=_("from"))

    class Meta:
        model = SpaceContract
        fields = [
            "id",
            "space",
            "kind",
            "person",
            "house",
            "starts",
            "ends",
            "months",
            "amount",
            "rule",
            "created_at",
        ]
        read_only_fields = ["ends", "rule", "created_at"]


class SpaceContractViewSet(LotScopedViewSet):
    """车位出售与出租: sales and long-term rentals of spaces, refused by the law of the
    community's jurisdiction with the article named (created, not changed)."""

    queryset = SpaceContract.objects.select_related("space")
    serializer_class = ParkingSpaceContractSerializer
    permission_prefix = "parking.lot"
    action_permissions = {"create": "parking.lot.manage"}
    filterset_fields = ["community", "space", "kind", "house"]
    http_method_names = ["get", "post", "head", "options"]

    def target_scope(self, data):
        space = data.get("space")
        if space is not None:
            return space.community_id, space.organization_id
        return super().target_scope(data)

    def create_object(self, data):
        kind = data.pop("kind")
        common = {
            "actor": self.request.user,
            "space": data["space"],
            "person": data["person"],
            "house": data.get("house"),
            "amount": data["amount"],
        }
        if kind == ContractKind.SALE:
            return services.sell_space(**common, on=data.get("starts"))
        return services.rent_space(
            **common, starts=data.get("starts"), months=data.get("months", 1)
        )


# Gate events --------------------------------------------------------------------------------


def _gateway(request):
    auth = getattr(request, "auth", None)
    return auth if hasattr(auth, "key_hash") else None


class GatewayOrRole(RolePermission):
    """A gateway may post events of its community's lots; people need the role's permission."""

    def has_permission(self, request, view):
        if _gateway(request) is not None:
            return view.action == "create"
        return super().has_permission(request, view)


class ParkingEventSerializer(serializers.ModelSerializer):
    lot = serializers.IntegerField(
        write_only=True, min_value=1, max_value=MAX_ID, label=_("parking lot")
    )
    gate = serializers.IntegerField(
        required=False,
        allow_null=True,
        write_only=True,
        min_value=1,
        max_value=MAX_ID,
        label=_("gate"),
    )
    plate = serializers.CharField(max_length=20, label=_("plate number"))
    direction = serializers.ChoiceField(choices=Direction.choices)
    at = serializers.DateTimeField(required=False)
    photo = serializers.FileField(
        required=False, write_only=True, label=_("photo"), help_text="multipart: the camera's JPEG"
    )

    class Meta:
        model = ParkingEvent
        fields = ["id", "lot", "gate", "plate", "direction", "at", "session", "reason", "photo"]
        read_only_fields = ["session", "reason"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["lot"], data["gate"] = instance.lot_id, instance.gate_id
        data["photo"] = f"/files/{instance.photo_id}/" if instance.photo_id else None
        return data


class ParkingEventViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """道闸记录: ``POST /api/v1/parking/events/`` ``{"lot", "plate", "direction", "at", "gate"}``
    from a guard's booth (token) or a gate controller (``Authorization: Gateway <key>``); the
    list is the gate log."""

    queryset = ParkingEvent.objects.select_related("lot", "gate")
    serializer_class = ParkingEventSerializer
    permission_prefix = "parking.session"
    action_permissions = {"create": "parking.session.operate"}
    authentication_classes = [*api_settings.DEFAULT_AUTHENTICATION_CLASSES, GatewayAuthentication]
    permission_classes = [GatewayOrRole]
    filterset_fields = {"community": ["exact"], "lot": ["exact"], "direction": ["exact"]}

    def perform_create(self, serializer):
        data = serializer.validated_data
        gateway = _gateway(self.request)
        if gateway is not None:
            lots, actor = ParkingLot.objects.filter(community_id=gateway.community_id), None
        else:
            lots = ParkingLot.objects.visible_to(self.request.user, "parking.session.operate")
            actor = self.request.user
        lot = lots.filter(pk=data["lot"]).first()
        if lot is None:
            raise RelatedNotFound("lot")
        gate = None
        if data.get("gate") is not None:
            gate = Gate.objects.filter(lot=lot, pk=data["gate"]).first()
            if gate is None:
                raise RelatedNotFound("gate")
        serializer.instance = services.record_event(
            actor=actor,
            lot=lot,
            plate=data["plate"],
            direction=data["direction"],
            at=data.get("at"),
            gate=gate,
            photo_file=data.get("photo"),
        )


class ParkingBarrierSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, label=_("reason"))
    plate = serializers.CharField(max_length=20, required=False, allow_blank=True)


class ParkingGateSerializer(serializers.ModelSerializer):
    lot = ScopedRelatedField(ParkingLot, "parking.lot.manage", label=_("parking lot"))

    class Meta:
        model = Gate
        fields = ["id", "lot", "name", "direction"]


class ParkingGateViewSet(LotScopedViewSet):
    """道闸: the entry and exit gates of the lots (created, not changed: the gate log names
    them)."""

    queryset = Gate.objects.select_related("lot")
    serializer_class = ParkingGateSerializer
    permission_prefix = "parking.lot"
    action_permissions = {"create": "parking.lot.manage", "open": "parking.session.operate"}
    filterset_fields = ["community", "lot", "direction"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.save_gate(actor=self.request.user, **data)

    @extend_schema(request=ParkingBarrierSerializer, responses=ParkingEventSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        """人工抬杆: the guard lifts the barrier by hand, with the reason (audited)."""
        form = ParkingBarrierSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        event = services.open_barrier(
            actor=request.user,
            gate=self.get_object(),
            reason=form.validated_data["reason"],
            plate=form.validated_data.get("plate", ""),
        )
        return Response(ParkingEventSerializer(event).data)


# Sessions -----------------------------------------------------------------------------------


class ParkingSessionSerializer(serializers.ModelSerializer):
    lot_name = serializers.CharField(source="lot.name", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = [
            "id",
            "community",
            "lot",
            "lot_name",
            "plate",
            "entered_at",
            "exited_at",
            "paid_amount",
            "paid_at",
            "paid_method",
            "owed",
            "state",
            "state_display",
            "opened_by_guard_reason",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, obj) -> list[str]:
        return obj.machine.allowed_actions(obj.state)


class ParkingQuoteSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    minutes = serializers.IntegerField()
    explanation = serializers.CharField()


class ParkingPaySerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=PayMethod.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    at = serializers.DateTimeField(required=False)


def _at(request):
    raw = request.query_params.get("at")
    if not raw:
        return timezone.now()
    value = parse_datetime(raw)
    if value is None:
        refuse("at", _("Enter a date and time such as 2026-12-01T10:00:00+08:00."))
    return value if timezone.is_aware(value) else timezone.make_aware(value)


class SessionViewSet(ScopedReadOnlyViewSet):
    """临停记录: the stays in the lots, their quote and their payment at the booth."""

    queryset = Session.objects.select_related("lot")
    serializer_class = ParkingSessionSerializer
    permission_prefix = "parking.session"
    action_permissions = {"quote": "parking.session.view", "pay": "parking.session.collect"}
    filterset_fields = {"community": ["exact"], "lot": ["exact"], "state": ["exact", "in"]}
    ordering_fields = ["entered_at"]

    def get_queryset(self):
        queryset = super().get_queryset()
        plate = self.request.query_params.get("plate")
        return queryset.filter(plate=normalize(plate)) if plate else queryset

    @extend_schema(
        parameters=[OpenApiParameter("at", str, description="ISO date-time (default now)")],
        responses=ParkingQuoteSerializer,
    )
    @action(detail=True, methods=["get"])
    def quote(self, request, pk=None):
        found = services.quote(self.get_object(), _at(request))
        return Response(ParkingQuoteSerializer(found).data)

    @extend_schema(request=ParkingPaySerializer, responses=ParkingSessionSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        form = ParkingPaySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        session = services.pay(
            actor=request.user,
            session=self.get_object(),
            method=form.validated_data["method"],
            amount=form.validated_data["amount"],
            at=form.validated_data.get("at"),
        )
        return Response(
            ParkingSessionSerializer(session, context=self.get_serializer_context()).data
        )


def register(router):
    router.register("parking-lots", ParkingLotViewSet, basename="parking-lot")
    router.register("parking-gates", ParkingGateViewSet, basename="parking-gate")
    router.register("parking-spaces", ParkingSpaceViewSet, basename="parking-space")
    router.register("vehicles", VehicleViewSet, basename="vehicle")
    router.register("parking-fee-rules", FeeRuleViewSet, basename="parking-fee-rule")
    router.register("parking-passes", PassViewSet, basename="parking-pass")
    router.register("parking-pass-prices", PassPriceViewSet, basename="parking-pass-price")
    router.register(
        "parking-space-contracts", SpaceContractViewSet, basename="parking-space-contract"
    )
    router.register("parking/events", ParkingEventViewSet, basename="parking-event")
    router.register("parking/sessions", SessionViewSet, basename="parking-session")
    share_api.register(router)
