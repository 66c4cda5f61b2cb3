"""API of the gate: visitor passes with the guard's check, the visitor log, walk-in visitors,
doors with one-tap opening and their opening log, credentials (cards, QR codes, face data by
consent), goods release passes; the gateways' polling and acknowledgement
(``Authorization: Gateway <key>``). Thin over ``services``."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from anju.core.crypto import mask_middle
from anju.core.models import Building, Community, House, Person
from anju.iot import services as iot

from . import selectors, services
from .choices import CredentialKind
from .models import Credential, Door, DoorCommand, ReleasePass, VisitorEntry, VisitorPass, WalkIn

GET_POST = ["get", "post", "head", "options"]
DEVICE = Door._meta.get_field("device").related_model  # iot's Device, without importing its models


def _house(house):
    return {"id": house.pk, "number": house.number, "building": house.building.name}


class VisitorPassSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "gate.pass.create", label=_("house"))
    visitor_phone = serializers.CharField(
        required=False, allow_blank=True, write_only=True, max_length=20, label=_("visitor's phone")
    )
    plate = serializers.CharField(
        required=False, allow_blank=True, max_length=20, label=_("plate number")
    )
    entries = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=100, label=_("entries allowed")
    )
    phone_masked = serializers.SerializerMethodField()
    code = serializers.SerializerMethodField()
    share_url = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = VisitorPass
        fields = [
            "id",
            "code",
            "house",
            "visitor_name",
            "visitor_phone",
            "phone_masked",
            "plate",
            "valid_from",
            "valid_until",
            "entries",
            "entries_used",
            "status",
            "state",
            "share_url",
            "created_at",
        ]
        read_only_fields = ["entries_used", "status", "created_at"]

    def _mine(self, obj):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return bool(user and user.person_id and obj.house_id in user.resident_house_ids())

    def get_phone_masked(self, obj) -> str:
        return mask_middle(obj.visitor_phone)

    def get_code(self, obj) -> str | None:
        """The code only for the home's residents (who share it); never on a staff list."""
        return obj.code if self._mine(obj) else None

    def get_share_url(self, obj) -> str | None:
        return services.share_path(obj) if self._mine(obj) else None

    def get_state(self, obj) -> str:
        from django.utils import timezone

        return str(obj.state_at(timezone.now()))


class VisitorPassVerifySerializer(serializers.Serializer):
    code = serializers.CharField(max_length=200, label=_("code"))
    gate = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        label=pgettext_lazy("pedestrian gate", "gate"),
    )


def verified(visitor_pass, entry):
    return {
        "id": visitor_pass.pk,
        "house": _house(visitor_pass.house),
        "visitor": {
            "name": visitor_pass.visitor_name,
            "phone": mask_middle(visitor_pass.visitor_phone),
            "plate": visitor_pass.plate,
        },
        "entries_left": visitor_pass.entries_left,
        "valid_until": visitor_pass.valid_until,
        "entry": entry.pk,
    }


class VisitorPassViewSet(ScopedModelViewSet):
    """访客通行证: a resident's passes for visitors to their home; the guard's check."""

    queryset = VisitorPass.objects.select_related("house__building")
    serializer_class = VisitorPassSerializer
    permission_prefix = "gate.pass"
    action_permissions = {
        "create": "gate.pass.create",
        "revoke": "gate.pass.revoke",
        "verify": "gate.pass.verify",
    }
    http_method_names = GET_POST
    filterset_fields = ["community", "house", "status"]
    search_fields = ["visitor_name", "plate"]

    def create_object(self, data):
        return services.issue_pass(
            actor=self.request.user,
            link_base=self.request.build_absolute_uri("/"),
            **data,
        )

    @extend_schema(request=None, responses=VisitorPassSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        visitor_pass = services.revoke_pass(actor=request.user, visitor_pass=self.get_object())
        return Response(self.get_serializer(visitor_pass).data)

    @extend_schema(request=VisitorPassVerifySerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def verify(self, request):
        """The guard's check: 200 with the house and the masked visitor (one entry used),
        409 ``used``/``expired``/``not_yet_valid``/``revoked``, 404 for an unknown code or a
        pass of a community the guard does not work in."""
        form = VisitorPassVerifySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        visitor_pass, entry = services.verify_pass(
            actor=request.user,
            code=form.validated_data["code"],
            gate=form.validated_data.get("gate", ""),
        )
        return Response(verified(visitor_pass, entry))


class VisitorEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitorEntry
        fields = [
            "id",
            "house",
            "visitor_pass",
            "kind",
            "visitor_name",
            "phone_masked",
            "plate",
            "gate",
            "at",
            "by",
        ]
        read_only_fields = fields  # a log: written only by the services


class VisitorEntryViewSet(ScopedReadOnlyViewSet):
    """访客记录: who came in, to which home, when (phone masked; kept for a limited time)."""

    queryset = VisitorEntry.objects.select_related("house")
    serializer_class = VisitorEntrySerializer
    permission_prefix = "gate.visitor"
    filterset_fields = ["community", "house", "kind"]


class WalkInSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "gate.walkin.register", label=_("house"))
    visitor_phone = serializers.CharField(
        required=False, allow_blank=True, write_only=True, max_length=20, label=_("visitor's phone")
    )

    class Meta:
        model = WalkIn
        fields = [
            "id",
            "house",
            "visitor_name",
            "visitor_phone",
            "phone_masked",
            "plate",
            "purpose",
            "gate",
            "status",
            "registered_by",
            "answered_by",
            "answered_at",
            "created_at",
        ]
        read_only_fields = [
            "phone_masked",
            "status",
            "registered_by",
            "answered_by",
            "answered_at",
            "created_at",
        ]


class AnswerSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(label=_("let in"))


class WalkInViewSet(ScopedModelViewSet):
    """来访登记: the guard registers a visitor without a pass; a resident lets them in."""

    queryset = WalkIn.objects.select_related("house")
    serializer_class = WalkInSerializer
    permission_prefix = "gate.walkin"
    action_permissions = {"create": "gate.walkin.register", "answer": "gate.walkin.answer"}
    http_method_names = GET_POST
    filterset_fields = ["community", "house", "status"]

    def create_object(self, data):
        return services.register_walk_in(actor=self.request.user, **data)

    @extend_schema(request=AnswerSerializer, responses=WalkInSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        form = AnswerSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        walk_in = services.answer_walk_in(
            actor=request.user, walk_in=self.get_object(), confirm=form.validated_data["confirm"]
        )
        return Response(self.get_serializer(walk_in).data)


class DoorSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "gate.door.manage", label=_("community"))
    building = ScopedRelatedField(
        Building, "gate.door.manage", required=False, allow_null=True, label=_("building")
    )
    device = ScopedRelatedField(DEVICE, "gate.door.manage", label=_("device"))
    may_open = serializers.SerializerMethodField()

    class Meta:
        model = Door
        fields = ["id", "community", "building", "name", "kind", "device", "active", "may_open"]

    def get_may_open(self, obj) -> bool:
        openable = self.context.get("openable")
        if openable is None:
            request = self.context["request"]
            openable = set(selectors.doors_openable_by(request.user).values_list("pk", flat=True))
            self.context["openable"] = openable
        return obj.pk in openable


class DoorViewSet(ScopedModelViewSet):
    """门禁: the doors of the community; ``open`` sends the command (一键开门)."""

    queryset = Door.objects.select_related("building", "device")
    serializer_class = DoorSerializer
    permission_prefix = "gate.door"
    action_permissions = {
        "create": "gate.door.manage",
        "update": "gate.door.manage",
        "partial_update": "gate.door.manage",
        "open": "gate.door.open",
    }
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["community", "kind", "building", "active"]

    def create_object(self, data):
        return services.save_door(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("community", None)
        door = serializer.instance
        merged = {
            "name": door.name,
            "kind": door.kind,
            "device": door.device,
            "building": door.building,
            "active": door.active,
            **data,
        }
        serializer.instance = services.save_door(actor=self.request.user, door=door, **merged)

    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        """202 with the command's id; the gateway acknowledges it (see ``door-commands``)."""
        command = services.open_door(actor=request.user, door=self.get_object())
        return Response(
            {"command": command.pk, "status": command.status, "channel": command.channel},
            status=status.HTTP_202_ACCEPTED,
        )


class DoorCommandSerializer(serializers.ModelSerializer):
    class Meta:
        model = DoorCommand
        fields = [
            "id",
            "door",
            "requested_by",
            "channel",
            "status",
            "created_at",
            "sent_at",
            "acked_at",
            "result",
        ]
        read_only_fields = fields  # a log: written only by the services


class DoorCommandViewSet(ScopedReadOnlyViewSet):
    """开门记录: every opening requested, its channel and the gateway's acknowledgement."""

    queryset = DoorCommand.objects.select_related("door")
    serializer_class = DoorCommandSerializer
    permission_prefix = "gate.door"
    filterset_fields = ["community", "door", "status"]


class CredentialSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "gate.credential.manage", label=_("house"))
    person = ScopedRelatedField(Person, "gate.credential.manage", label=_("person"))
    kind = serializers.ChoiceField(
        choices=[CredentialKind.CARD, CredentialKind.QR], label=_("kind")
    )

    class Meta:
        model = Credential
        fields = ["id", "house", "person", "kind", "number", "consent_at", "active", "created_at"]
        read_only_fields = ["consent_at", "active", "created_at"]
        extra_kwargs = {"number": {"required": False, "allow_blank": True}}


class FaceSerializer(serializers.Serializer):
    house = ScopedRelatedField(House, "gate.credential.face", label=_("house"))
    consent = serializers.BooleanField(label=_("I consent to face recognition"))


class CredentialViewSet(ScopedModelViewSet):
    """门禁凭证: cards and QR codes issued by the office; face data only by its owner, with
    consent, where the community offers it (``face``), deleted by its owner (``delete-face``)."""

    queryset = Credential.objects.select_related("house", "person")
    serializer_class = CredentialSerializer
    permission_prefix = "gate.credential"
    action_permissions = {
        "create": "gate.credential.manage",
        "face": "gate.credential.face",
        "delete_face": "gate.credential.face",
    }
    http_method_names = GET_POST
    filterset_fields = ["community", "house", "kind"]

    def create_object(self, data):
        return services.issue_credential(actor=self.request.user, **data)

    @extend_schema(request=FaceSerializer, responses=CredentialSerializer)
    @action(detail=False, methods=["post"])
    def face(self, request):
        form = FaceSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        credential = services.enrol_face(actor=request.user, **form.validated_data)
        return Response(self.get_serializer(credential).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"], url_path="delete-face")
    def delete_face(self, request, pk=None):
        services.delete_face(actor=request.user, credential=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReleasePassSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "gate.release.create", label=_("house"))
    # Shown only to the home's residents (null on a staff list): see to_representation.
    code = serializers.CharField(read_only=True, allow_null=True, label=_("code"))
    items = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=20, label=_("items")
    )

    class Meta:
        model = ReleasePass
        fields = [
            "id",
            "code",
            "house",
            "items",
            "date",
            "status",
            "applicant",
            "confirmed_by",
            "released_by",
            "released_at",
            "created_at",
        ]
        read_only_fields = [
            "code",
            "status",
            "applicant",
            "confirmed_by",
            "released_by",
            "released_at",
            "created_at",
        ]

    def to_representation(self, obj):
        data = super().to_representation(obj)
        user = getattr(self.context.get("request"), "user", None)
        if not (user and user.person_id and obj.house_id in user.resident_house_ids()):
            data["code"] = None  # the code is the applicant's to show, not on a staff list
        return data


class ReleaseVerifySerializer(serializers.Serializer):
    code = serializers.CharField(max_length=200, label=_("code"))


class ReleasePassViewSet(ScopedModelViewSet):
    """物品放行: a resident's application, an owner's confirmation of a tenant's, the guard's
    check (``verify``, the items listed) and letting the items out (``release``)."""

    queryset = ReleasePass.objects.select_related("house__building")
    serializer_class = ReleasePassSerializer
    permission_prefix = "gate.release"
    action_permissions = {
        "create": "gate.release.create",
        "confirm": "gate.release.confirm",
        "decline": "gate.release.confirm",
        "cancel": "gate.release.create",
        "verify": "gate.release.verify",
        "release": "gate.release.verify",
    }
    http_method_names = GET_POST
    filterset_fields = ["community", "house", "status", "date"]

    def create_object(self, data):
        return services.apply_release(actor=self.request.user, **data)

    def _done(self, release):
        return Response(self.get_serializer(release).data)

    @extend_schema(request=None, responses=ReleasePassSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._done(services.confirm_release(actor=request.user, release=self.get_object()))

    @extend_schema(request=None, responses=ReleasePassSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        release = services.confirm_release(
            actor=request.user, release=self.get_object(), confirm=False
        )
        return self._done(release)

    @extend_schema(request=None, responses=ReleasePassSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._done(services.cancel_release(actor=request.user, release=self.get_object()))

    @extend_schema(request=ReleaseVerifySerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def verify(self, request):
        """The guard's check of a code: 200 with the house and the items when it may go out
        today; 409 with the reason; 404 unknown."""
        form = ReleaseVerifySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        release = services.find_release(actor=request.user, code=form.validated_data["code"])
        services.check_release(release)
        return Response(
            {
                "id": release.pk,
                "house": _house(release.house),
                "items": release.items,
                "date": release.date,
                "status": release.status,
            }
        )

    @extend_schema(request=None, responses=ReleasePassSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        return self._done(services.release_goods(actor=request.user, release=self.get_object()))


# The gateways' side ---------------------------------------------------------------------------


def _gateway(request):
    """The gateway whose key the request carries (``Authorization: Gateway <key>``), checked by
    iot's lookup; 401 without a known, active key."""
    header = request.headers.get("Authorization", "")
    gateway = (
        iot.gateway_for_key(header[len("Gateway ") :].strip())
        if header.startswith("Gateway ")
        else None
    )
    if gateway is None:
        raise NotAuthenticated(_("Send the gateway key as: Authorization: Gateway <key>."))
    return gateway


class AckSerializer(serializers.Serializer):
    ok = serializers.BooleanField(default=True, label=_("opened"))
    result = serializers.CharField(max_length=200, required=False, allow_blank=True)


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def pending_commands(request):
    """GET /api/v1/gate/commands/: the door commands waiting for this gateway (HTTP polling)."""
    gateway = _gateway(request)
    rows = selectors.pending_commands(gateway)[:50]
    return Response(
        {
            "commands": [
                {"id": c.pk, "action": "open", "device": c.door.device.code, "door": c.door_id}
                for c in rows
            ]
        }
    )


@extend_schema(request=AckSerializer, responses={200: OpenApiTypes.OBJECT})
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def ack_command(request, pk):
    """POST /api/v1/gate/commands/<id>/ack/ ``{"ok": true}``: the door opened (or why not)."""
    gateway = _gateway(request)
    form = AckSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    command = services.acknowledge(gateway=gateway, command_id=pk, **form.validated_data)
    return Response({"id": command.pk, "status": command.status})


@extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def door_credential_list(request, pk):
    """GET /api/v1/gate/doors/<id>/credentials/: the cards, QR codes and face references that
    open this door of the gateway's community today (the same list MQTT pushes)."""
    gateway = _gateway(request)
    door = selectors.gateway_door(gateway, pk)
    if door is None:
        raise NotFound()
    return Response(services.credential_list(door))


urlpatterns = [
    path("gate/commands/", pending_commands, name="gate-commands"),
    path("gate/doors/<int:pk>/credentials/", door_credential_list, name="gate-door-credentials"),
    path("gate/commands/<int:pk>/ack/", ack_command, name="gate-command-ack"),
]


def register(router):
    router.register("visitor-passes", VisitorPassViewSet, basename="visitor-pass")
    router.register("visitor-log", VisitorEntryViewSet, basename="visitor-entry")
    router.register("walk-ins", WalkInViewSet, basename="walk-in")
    router.register("doors", DoorViewSet, basename="door")
    router.register("door-commands", DoorCommandViewSet, basename="door-command")
    router.register("access-credentials", CredentialViewSet, basename="access-credential")
    router.register("release-passes", ReleasePassViewSet, basename="release-pass")
