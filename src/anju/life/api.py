"""API of community life (contract in issue 22): service offerings and orders, events and
their sign-ups. Thin over ``services``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from anju.billing import selectors as billing_selectors
from anju.core import policy
from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, mixins
from anju.core.models import Community, House, Organization

from . import selectors, services
from .models import Event, ServiceOffering, ServiceOrder, Signup


def _resident_or_staff(user, staff_perm, resident_perm):
    return staff_perm if policy.staff_has(user, staff_perm) else resident_perm


# Offerings -------------------------------------------------------------------------------------


class OfferingSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(
        Community, "life.offering.manage", required=False, allow_null=True, label=_("community")
    )
    organization = ScopedRelatedField(
        Organization, "core.organization.view", required=False, label=_("company")
    )

    class Meta:
        model = ServiceOffering
        fields = ["id", "community", "organization", *services.OFFERING_FIELDS, "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"published": {"default": True}, "materials_extra": {"default": False}}

    def validate(self, attrs):
        if self.instance is None and not attrs.get("community") and not attrs.get("organization"):
            raise serializers.ValidationError(
                {"community": [_("Choose the community, or the company for all communities.")]}
            )
        return attrs


class OfferingViewSet(ScopedModelViewSet):
    """有偿服务目录 (明码标价): residents read their community's and their company's published
    services; managers keep them."""

    queryset = ServiceOffering.objects.select_related("community")
    serializer_class = OfferingSerializer
    permission_prefix = "life.offering"
    action_permissions = {
        "create": "life.offering.manage",
        "update": "life.offering.manage",
        "partial_update": "life.offering.manage",
    }
    filterset_fields = ["community", "published"]
    search_fields = ["name"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().distinct()

    def create_object(self, data):
        community = data.pop("community", None)
        organization = data.pop("organization", None)
        return services.save_offering(
            actor=self.request.user,
            community=community,
            organization=None if community else organization,
            **data,
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("community", None)
        data.pop("organization", None)
        serializer.instance = services.save_offering(
            actor=self.request.user, offering=serializer.instance, **data
        )


# Orders ----------------------------------------------------------------------------------------


class OrderSerializer(serializers.ModelSerializer):
    offering = ScopedRelatedField(ServiceOffering, "life.offering.view", label=_("service"))
    house = ScopedRelatedField(House, "core.house.view", label=_("house"))
    offering_name = serializers.CharField(source="offering.name", read_only=True)
    house_label = serializers.CharField(source="house.label", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    ticket_number = serializers.SerializerMethodField()
    ticket_status = serializers.SerializerMethodField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = ServiceOrder
        fields = [
            "id",
            "number",
            "community",
            "offering",
            "offering_name",
            "house",
            "house_label",
            "appointment_at",
            "note",
            "status",
            "status_display",
            "price",
            "quote_amount",
            "quote_note",
            "quote_decision",
            "total",
            "amount",
            "ticket",
            "ticket_number",
            "ticket_status",
            "paid_at",
            "paid_method",
            "refunded_amount",
            "refund_reason",
            "refund_kept",
            "refunded_at",
            "created_at",
            "allowed_actions",
        ]
        read_only_fields = [
            "number",
            "community",
            "status",
            "price",
            "quote_amount",
            "quote_note",
            "quote_decision",
            "amount",
            "ticket",
            "paid_at",
            "paid_method",
            "refunded_amount",
            "refund_reason",
            "refund_kept",
            "refunded_at",
            "created_at",
        ]
        extra_kwargs = {"note": {"required": False}}

    def get_ticket_number(self, obj) -> str:
        return obj.ticket.number if obj.ticket_id else ""

    def get_ticket_status(self, obj) -> str:
        return obj.ticket.status if obj.ticket_id else ""

    def get_allowed_actions(self, obj) -> list[str]:
        return selectors.order_actions(obj)


class QuoteSerializer(serializers.Serializer):
    amount = serializers.CharField(max_length=20, label=_("amount"))
    note = serializers.CharField(max_length=300, label=_("what the quote is for"))


class LifeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class OrderRefundSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, label=_("reason for the refund"))
    keep_as_prepayment = serializers.BooleanField(
        required=False,
        default=False,
        label=_("kept as prepayment"),
        help_text=_("The refund stays in the household's prepayment instead of being paid back."),
    )


class OrderRateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5, label=_("score"))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)


class OrderViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """有偿服务订单: a resident orders with a time; the technician quotes materials, the resident
    accepts or declines, pays online after the work, rates."""

    queryset = ServiceOrder.objects.select_related(
        "offering", "house__building", "ticket", "community"
    )
    serializer_class = OrderSerializer
    permission_prefix = "life.order"
    filterset_fields = {
        "community": ["exact"],
        "status": ["exact", "in"],
        "house": ["exact"],
        "offering": ["exact"],
    }
    search_fields = ["number"]
    ordering_fields = ["created_at", "appointment_at"]

    def required_permission(self):
        user = self.request.user
        if self.action == "quote":
            return "life.order.quote"
        if self.action == "refund":
            return "life.order.refund"
        if self.action in ("create", "accept_quote", "decline_quote", "pay", "cancel", "rate"):
            return _resident_or_staff(user, "life.order.manage", "life.order.create")
        return "life.order.view"

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.place_order(
            actor=self.request.user,
            offering=data["offering"],
            house=data["house"],
            appointment_at=data["appointment_at"],
            note=data.get("note", ""),
        )

    def _out(self, order, **extra):
        order = self.get_queryset().get(pk=order.pk)
        body = OrderSerializer(order, context=self.get_serializer_context()).data
        return Response({**body, **extra})

    @extend_schema(request=QuoteSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def quote(self, request, pk=None):
        form = QuoteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        order = services.quote(actor=request.user, order=self.get_object(), **form.validated_data)
        return self._out(order)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="accept-quote")
    def accept_quote(self, request, pk=None):
        return self._out(services.accept_quote(actor=request.user, order=self.get_object()))

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="decline-quote")
    def decline_quote(self, request, pk=None):
        return self._out(services.decline_quote(actor=request.user, order=self.get_object()))

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        """After the work: the order's bill (price and accepted materials), with ``bill`` and
        ``pay_url`` to pay it online (``POST /api/v1/payments/online/`` with ``bills``)."""
        order = services.pay(actor=request.user, order=self.get_object())
        bill = billing_selectors.charge_bills([services.order_source(order)]).get(
            services.order_source(order)
        )
        return self._out(
            order,
            bill=bill.pk if bill else None,
            pay_url=f"/app/billing/pay/?bills={bill.pk}" if bill else "",
        )

    @extend_schema(request=LifeReasonSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        form = LifeReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        order = services.cancel(
            actor=request.user, order=self.get_object(), reason=form.validated_data.get("reason")
        )
        return self._out(order)

    @extend_schema(request=OrderRefundSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        """退款 of a paid order (called off or disputed): billing's credit note and prepayment
        refund; 409 with the allowed actions in any other state."""
        form = OrderRefundSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        order = services.refund(actor=request.user, order=self.get_object(), **form.validated_data)
        return self._out(order)

    @extend_schema(request=OrderRateSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        form = OrderRateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        order = services.rate(actor=request.user, order=self.get_object(), **form.validated_data)
        return self._out(order)


# Events ----------------------------------------------------------------------------------------


class EventSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "life.event.manage", label=_("community"))
    confirmed_people = serializers.SerializerMethodField()
    waitlisted_people = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "community",
            *services.EVENT_FIELDS,
            "status",
            "confirmed_people",
            "waitlisted_people",
            "created_at",
        ]
        read_only_fields = ["status", "created_at"]
        extra_kwargs = {"booking": {"read_only": True}, "fee": {"default": "0.00"}}

    def get_confirmed_people(self, obj) -> int:
        return getattr(obj, "held", None) or 0

    def get_waitlisted_people(self, obj) -> int:
        return getattr(obj, "waiting", None) or 0


class SignupSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "core.house.view", label=_("house"))
    event_title = serializers.CharField(source="event.title", read_only=True)
    house_label = serializers.CharField(source="house.label", read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Signup
        fields = [
            "id",
            "event",
            "event_title",
            "house",
            "house_label",
            "people",
            "status",
            "amount",
            "paid_at",
            "checked_in_at",
            "promoted_at",
            "created_at",
            "allowed_actions",
        ]
        read_only_fields = [
            "event",
            "status",
            "amount",
            "paid_at",
            "checked_in_at",
            "promoted_at",
            "created_at",
        ]

    def get_allowed_actions(self, obj) -> list[str]:
        return [a for a in obj.machine.allowed_actions(obj.status) if a != "promote"]


class SignupRequest(serializers.Serializer):
    house = ScopedRelatedField(House, "core.house.view", label=_("house"))
    people = serializers.IntegerField(min_value=1, max_value=100, default=1)


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64, label=_("check-in code"))


class EventViewSet(ScopedModelViewSet):
    """社区活动: residents read their community's and sign up; managers and agents run them."""

    queryset = Event.objects.select_related("community")
    serializer_class = EventSerializer
    permission_prefix = "life.event"
    action_permissions = {
        "create": "life.event.manage",
        "update": "life.event.manage",
        "partial_update": "life.event.manage",
        "cancel": "life.event.manage",
        "feedback": "life.event.manage",
    }
    filterset_fields = {"community": ["exact"], "status": ["exact"], "starts_at": ["gte", "lt"]}
    search_fields = ["title", "place"]
    ordering_fields = ["starts_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.with_seats(super().get_queryset()).order_by("-starts_at", "-id")

    def required_permission(self):
        if self.action == "signups":
            return _resident_or_staff(self.request.user, "life.signup.manage", "life.signup.create")
        if self.action == "check_in":
            return "life.signup.create"
        return super().required_permission()

    def create_object(self, data):
        return services.save_event(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("community", None)
        serializer.instance = services.save_event(
            actor=self.request.user, event=serializer.instance, **data
        )

    @extend_schema(request=SignupRequest, responses={201: SignupSerializer})
    @action(detail=True, methods=["post"])
    def signups(self, request, pk=None):
        """报名: ``{"house", "people"}`` → the sign-up, ``status`` confirmed or waitlisted."""
        event = self.get_object()
        form = SignupRequest(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        signup = services.sign_up(actor=request.user, event=event, **form.validated_data)
        body = SignupSerializer(signup, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=CodeSerializer, responses=SignupSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """签到 with the code of the event's QR poster."""
        form = CodeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        signup = services.check_in_by_code(
            actor=request.user, event=self.get_object(), code=form.validated_data["code"]
        )
        return Response(SignupSerializer(signup, context=self.get_serializer_context()).data)

    @extend_schema(request=LifeReasonSerializer, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        form = LifeReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        event = services.cancel_event(
            actor=request.user, event=self.get_object(), reason=form.validated_data.get("reason")
        )
        return Response(EventSerializer(event, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        """Open the feedback survey after the event (notices' surveys)."""
        event = services.open_feedback(actor=request.user, event=self.get_object())
        return Response(EventSerializer(event, context=self.get_serializer_context()).data)


class SignupViewSet(ScopedReadOnlyViewSet):
    """报名记录: a household's own; the service centre's for its communities."""

    queryset = Signup.objects.select_related("event", "house__building")
    serializer_class = SignupSerializer
    permission_prefix = "life.signup"
    filterset_fields = {"event": ["exact"], "status": ["exact", "in"], "house": ["exact"]}
    ordering_fields = ["created_at"]

    def required_permission(self):
        if self.action == "cancel":
            return _resident_or_staff(self.request.user, "life.signup.manage", "life.signup.create")
        if self.action == "check_in":
            return "life.signup.checkin"
        return "life.signup.view"

    @extend_schema(request=None, responses=SignupSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        signup = services.cancel_signup(actor=request.user, signup=self.get_object())
        return Response(SignupSerializer(signup, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=SignupSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        signup = services.check_in(actor=request.user, signup=self.get_object())
        return Response(SignupSerializer(signup, context=self.get_serializer_context()).data)


def register(router):
    router.register("service-offerings", OfferingViewSet, basename="service-offering")
    router.register("service-orders", OrderViewSet, basename="service-order")
    router.register("events", EventViewSet, basename="life-event")
    router.register("signups", SignupViewSet, basename="life-signup")
