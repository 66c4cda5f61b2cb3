"""API of shared spaces (共享车位): the community's rule, the owners' windows, the bookings with
their payment and cancellation. Thin over ``services``; mounted by ``api.register``."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedModelViewSet
from anju.core.models import Community, House

from . import selectors, services
from .choices import ShareRest
from .models import ParkingSpace, ShareBooking, ShareRule, ShareWindow

GET_POST = ["get", "post", "head", "options"]


class ParkingShareRuleSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "parking.share.manage", label=_("community"))
    owner_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
        label=_("owner's share (%)"),
    )
    rest_to = serializers.ChoiceField(
        choices=ShareRest.choices, required=False, label=_("the rest goes to")
    )
    cost_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
        label=_("costs netted before public income, as a percentage of the rest"),
    )
    price_per_hour = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        label=_("published price per hour (¥)"),
    )
    tenants_may_share = serializers.BooleanField(
        required=False, label=_("long-term tenants may share")
    )
    updated_at = serializers.DateTimeField(read_only=True, label=_("updated at"))

    class Meta:
        model = ShareRule
        fields = ["id", "community", *services.SHARE_RULE_FIELDS, "updated_at"]


class ShareRuleViewSet(ScopedModelViewSet):
    """共享车位规则: per community, the owner's share, where the rest goes (company or public
    income), the costs netted before public income, the published price per hour."""

    queryset = ShareRule.objects.select_related("community")
    serializer_class = ParkingShareRuleSerializer
    permission_prefix = "parking.share"
    action_permissions = dict.fromkeys(
        ("create", "update", "partial_update"), "parking.share.manage"
    )
    filterset_fields = ["community"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def create_object(self, data):
        return services.save_share_rule(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("community", None)
        serializer.instance = services.save_share_rule(
            actor=self.request.user, rule=serializer.instance, **data
        )


class ParkingShareWindowSerializer(serializers.ModelSerializer):
    space = ScopedRelatedField(
        ParkingSpace,
        "parking.share.publish",
        visible=selectors.spaces_i_may_share,
        label=_("parking space"),
    )
    space_number = serializers.CharField(
        source="space.number", read_only=True, label=_("space number")
    )
    lot_name = serializers.CharField(source="space.lot.name", read_only=True, label=_("name"))
    starts = serializers.DateTimeField(label=_("free from"))
    ends = serializers.DateTimeField(label=_("free until"))
    price_per_hour = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        label=_("price per hour (¥)"),
    )
    status = serializers.CharField(read_only=True, label=_("status"))
    mine = serializers.SerializerMethodField(label=_("mine"))
    created_at = serializers.DateTimeField(read_only=True, label=_("created at"))

    class Meta:
        model = ShareWindow
        fields = [
            "id",
            "community",
            "space",
            "space_number",
            "lot_name",
            "starts",
            "ends",
            "price_per_hour",
            "status",
            "mine",
            "created_at",
        ]
        read_only_fields = ["community"]
        extra_kwargs = {"community": {"label": _("community")}}

    def get_mine(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request) and obj.house_id in request.user.resident_house_ids()


class ShareWindowViewSet(ScopedModelViewSet):
    """共享车位时段: the windows owners publish when their space is free; every resident of the
    community reads them (to book); ``withdraw`` takes back one nobody booked."""

    queryset = ShareWindow.objects.select_related("space__lot")
    serializer_class = ParkingShareWindowSerializer
    permission_prefix = "parking.share"
    action_permissions = {"create": "parking.share.publish", "withdraw": "parking.share.publish"}
    filterset_fields = ["community", "space", "status"]
    http_method_names = GET_POST

    def target_scope(self, data):
        space = data.get("space")
        if space is not None:
            return space.community_id, space.organization_id
        return super().target_scope(data)

    def create_object(self, data):
        return services.publish_window(actor=self.request.user, **data)

    @extend_schema(request=None, responses=ParkingShareWindowSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        window = services.withdraw_window(actor=request.user, window=self.get_object())
        return Response(self.get_serializer(window).data)


class ParkingShareBookingSerializer(serializers.ModelSerializer):
    window = ScopedRelatedField(ShareWindow, "parking.share.book", label=_("shared space window"))
    house = ScopedRelatedField(
        House, "parking.share.book", required=False, label=_("booking household")
    )
    plate = serializers.CharField(max_length=20, label=_("plate number"))
    starts = serializers.DateTimeField(required=False, label=_("from"))
    ends = serializers.DateTimeField(required=False, label=_("until"))
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, label=_("amount (¥)")
    )
    status = serializers.CharField(read_only=True, label=_("status"))
    status_display = serializers.CharField(
        source="get_status_display", read_only=True, label=_("status")
    )
    allowed_actions = serializers.SerializerMethodField(label=_("allowed actions"))
    paid_at = serializers.DateTimeField(read_only=True, allow_null=True, label=_("paid at"))
    used_at = serializers.DateTimeField(read_only=True, allow_null=True, label=_("entered at"))

    class Meta:
        model = ShareBooking
        fields = [
            "id",
            "community",
            "window",
            "house",
            "plate",
            "starts",
            "ends",
            "amount",
            "status",
            "status_display",
            "allowed_actions",
            "paid_at",
            "used_at",
        ]
        read_only_fields = ["community"]
        extra_kwargs = {"community": {"label": _("community")}}

    def get_allowed_actions(self, obj) -> list[str]:
        return obj.machine.allowed_actions(obj.status)


class ParkingSharePaySerializer(serializers.Serializer):
    bill = serializers.IntegerField(label=_("bill"))
    pay_url = serializers.CharField(label=_("pay page"))


class ParkingShareCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, label=_("reason")
    )


class ShareBookingViewSet(ScopedModelViewSet):
    """共享车位预约: a resident books a window (or part of it) for a plate, pays it from their
    home (``pay``: a bill paid on billing's pay page or ``/api/v1/payments/online/``) and may
    ``cancel`` it (a paid booking before it starts: refunded to the prepayment)."""

    queryset = ShareBooking.objects.select_related("window__space__lot")
    serializer_class = ParkingShareBookingSerializer
    permission_prefix = "parking.share"
    action_permissions = {
        "create": "parking.share.book",
        "pay": "parking.share.book",
        "cancel": "parking.share.book",
    }
    filterset_fields = {"community": ["exact"], "window": ["exact"], "status": ["exact", "in"]}
    http_method_names = GET_POST

    def target_scope(self, data):
        window = data.get("window")
        if window is not None:
            return window.community_id, window.organization_id
        return super().target_scope(data)

    def create_object(self, data):
        house = data.pop("house", None)
        if house is None:
            homes = [
                h
                for h in House.objects.filter(pk__in=self.request.user.resident_house_ids())
                if h.community_id == data["window"].community_id
            ]
            house = homes[0] if len(homes) == 1 else None
        return services.book(actor=self.request.user, house=house, **data)

    @extend_schema(request=None, responses=ParkingSharePaySerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        bill = services.start_share_pay(actor=request.user, booking=self.get_object())
        url = f"{reverse('portal:billing-pay-page')}?bills={bill.pk}"
        return Response(ParkingSharePaySerializer({"bill": bill.pk, "pay_url": url}).data)

    @extend_schema(request=ParkingShareCancelSerializer, responses=ParkingShareBookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        form = ParkingShareCancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        booking = services.cancel_booking(
            actor=request.user,
            booking=self.get_object(),
            reason=form.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(booking).data)


def register(router):
    router.register("parking-share-rules", ShareRuleViewSet, basename="parking-share-rule")
    router.register("parking-share-windows", ShareWindowViewSet, basename="parking-share-window")
    router.register("parking-share-bookings", ShareBookingViewSet, basename="parking-share-booking")
