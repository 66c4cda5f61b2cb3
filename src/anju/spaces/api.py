"""API of shared spaces and bookings: thin over ``services``."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from anju.billing.choices import recordable_methods
from anju.core import policy
from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, mixins
from anju.core.crypto import mask_middle
from anju.core.models import Community, House, Person

from . import selectors, services
from .models import Booking, Space


class SpaceSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "spaces.space.manage", label=_("community"))

    class Meta:
        model = Space
        fields = ["id", "community", *services.SPACE_FIELDS, "created_at"]
        read_only_fields = ["created_at"]


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    free = serializers.BooleanField()
    past = serializers.BooleanField()
    bookable = serializers.BooleanField()


class SpaceViewSet(ScopedModelViewSet):
    """共享空间: residents read their community's; managers create and change them."""

    queryset = Space.objects.all()
    serializer_class = SpaceSerializer
    permission_prefix = "spaces.space"
    action_permissions = {
        "create": "spaces.space.manage",
        "update": "spaces.space.manage",
        "partial_update": "spaces.space.manage",
        "availability": "spaces.space.view",
    }
    filterset_fields = ["community", "kind", "active"]
    search_fields = ["name", "place"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def create_object(self, data):
        return services.save_space(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("community", None)  # a space stays in its community
        serializer.instance = services.save_space(
            actor=self.request.user, space=serializer.instance, **data
        )

    @extend_schema(
        parameters=[OpenApiParameter("date", str, description="YYYY-MM-DD (default today)")],
        responses=SlotSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def availability(self, request, pk=None):
        """The day's slots: free or taken (not by whom), past, bookable."""
        space = self.get_object()
        raw = request.query_params.get("date")
        try:
            day = date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError:
            raise ValidationError({"date": [_("Enter a date as YYYY-MM-DD.")]}) from None
        slots = selectors.availability(space, day)
        return Response(SlotSerializer(slots, many=True).data)


class BookingSerializer(serializers.ModelSerializer):
    space = ScopedRelatedField(Space, "spaces.space.view", label=_("space"))
    house = ScopedRelatedField(
        House, "core.house.view", required=False, allow_null=True, label=_("house")
    )
    person = ScopedRelatedField(
        Person, "core.person.view", required=False, allow_null=True, label=_("booked by")
    )
    slots = serializers.IntegerField(write_only=True, min_value=1, default=1)
    space_name = serializers.CharField(source="space.name", read_only=True)
    house_label = serializers.SerializerMethodField()
    person_name = serializers.SerializerMethodField()
    person_phone = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "number",
            "community",
            "space",
            "space_name",
            "house",
            "house_label",
            "person",
            "person_name",
            "person_phone",
            "starts_at",
            "ends_at",
            "slots",
            "purpose",
            "attendees",
            "status",
            "status_display",
            "amount",
            "paid_at",
            "paid_method",
            "note",
            "checked_in_at",
            "created_at",
            "allowed_actions",
        ]
        read_only_fields = [
            "number",
            "community",
            "ends_at",
            "status",
            "amount",
            "paid_at",
            "paid_method",
            "note",
            "checked_in_at",
            "created_at",
        ]

    def get_house_label(self, obj) -> str:
        return obj.house.label if obj.house_id else ""

    def get_person_name(self, obj) -> str:
        return obj.person.name if obj.person_id else ""

    def get_person_phone(self, obj) -> str:
        """The booker's phone in full for staff who may see contacts and for the booker."""
        if not obj.person_id or not obj.person.phone:
            return ""
        user = self.context["request"].user
        if user.person_id == obj.person_id or policy.staff_has(
            user, "core.person.view_contact", obj.community_id
        ):
            return obj.person.phone
        return mask_middle(obj.person.phone)

    def get_allowed_actions(self, obj) -> list[str]:
        # "pay" is billing's: the fee is a bill of the house, paid in 缴费.
        return [a for a in obj.machine.allowed_actions(obj.status) if a != "pay"]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CollectSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=recordable_methods())


class BookingViewSet(
    mixins.CreateModelMixin,
    ScopedReadOnlyViewSet,
):
    """预约: residents book their community's spaces and see their own bookings; the service
    centre sees the community's, books for residents, approves, checks in and collects fees."""

    queryset = Booking.objects.select_related("space", "house__building", "person")
    serializer_class = BookingSerializer
    permission_prefix = "spaces.booking"
    filterset_fields = {
        "community": ["exact"],
        "space": ["exact"],
        "status": ["exact", "in"],
        "house": ["exact"],
        "starts_at": ["date", "gte", "lt"],
    }
    action_permissions = {
        "approve": "spaces.booking.manage",
        "reject": "spaces.booking.manage",
        "collect": "spaces.booking.collect",
    }
    search_fields = ["number", "purpose"]
    ordering_fields = ["starts_at", "created_at"]

    def required_permission(self):
        user = self.request.user
        if self.action == "create":
            if policy.user_has(user, "spaces.booking.manage"):
                return "spaces.booking.manage"
            return "spaces.booking.create"
        return self.action_permissions.get(self.action, "spaces.booking.view")

    def perform_create(self, serializer):
        serializer.instance = services.book(actor=self.request.user, **serializer.validated_data)

    def _out(self, booking):
        return Response(BookingSerializer(booking, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._out(services.approve(actor=request.user, booking=self.get_object()))

    def _with_reason(self, request, service):
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reason = form.validated_data.get("reason", "")
        return self._out(service(actor=request.user, booking=self.get_object(), reason=reason))

    @extend_schema(request=ReasonSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._with_reason(request, services.reject)

    @extend_schema(request=ReasonSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._with_reason(request, services.cancel)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        return self._out(services.check_in(actor=request.user, booking=self.get_object()))

    @extend_schema(request=CollectSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def collect(self, request, pk=None):
        form = CollectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._out(
            services.collect_fee(
                actor=request.user,
                booking=self.get_object(),
                method=form.validated_data["method"],
            )
        )


def register(router):
    router.register("spaces", SpaceViewSet, basename="space")
    router.register("bookings", BookingViewSet, basename="booking")
