"""Residents' voice API: /suggestions/, /meetings/ and /action-items/."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from anju.core import policy
from anju.core.api.fields import ScopedRelatedField, StaffField
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from anju.core.models import Community, Person
from anju.core.scoping import scope_q

from .. import services
from ..models import (
    ActionItem,
    Meeting,
    Suggestion,
)
from .common import first_held

# Suggestions and meetings -------------------------------------------------------------------


class MyCommunityField(ScopedRelatedField):
    """A community the caller lives in (resident) or works in (staff)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Community.objects.none()
        user = request.user
        ids = set(user.resident_community_ids()) | set(user.staff_community_ids())
        return Community.objects.filter(pk__in=ids)

    def also_visible(self, obj, user):
        return obj.pk in user.resident_community_ids() or obj.pk in user.staff_community_ids()


class SuggestionSerializer(serializers.ModelSerializer):
    community = MyCommunityField(Community, label=_("community"))
    author = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "community",
            "anonymous",
            "author",
            "dimension",
            "title",
            "body",
            "status",
            "reply",
            "reply_public",
            "replied_at",
            "created_at",
            "allowed_actions",
        ]
        read_only_fields = ["status", "reply", "reply_public", "replied_at", "created_at"]

    def get_author(self, obj) -> str:
        return "" if obj.anonymous or obj.person_id is None else obj.person.name

    def get_allowed_actions(self, obj) -> list[str]:
        return obj.machine.allowed_actions(obj.status)


SUGGESTION_PERMS = [
    "notices.suggestion.view",
    "notices.suggestion.reply",
    "notices.suggestion.create",
]


class SuggestionViewSet(ScopedModelViewSet):
    """意见箱: residents submit (optionally anonymous); staff reply publicly."""

    queryset = Suggestion.objects.select_related("person", "community")
    serializer_class = SuggestionSerializer
    permission_prefix = "notices.suggestion"
    filterset_fields = ["community", "status", "dimension", "anonymous"]
    search_fields = ["title", "body"]
    http_method_names = ["get", "post", "head", "options"]

    def required_permission(self):
        if self.action in ("reply", "close"):
            return "notices.suggestion.reply"
        if self.action == "create":
            return "notices.suggestion.create"
        return first_held(self.request.user, SUGGESTION_PERMS)

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Suggestion.objects.none()
        q = None
        for perm in SUGGESTION_PERMS[:2]:
            part = scope_q(Suggestion, user, perm)
            if part is None:
                return self.queryset.all()
            q = part if q is None else q | part
        if user.person_id:
            q |= Q(person_id=user.person_id) | Q(
                community_id__in=user.resident_community_ids(),
                reply_public=True,
                status__in=["replied", "closed"],
            )
        return self.queryset.filter(q)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.submit_suggestion(actor=self.request.user, **data)

    def _obj(self, perm):
        suggestion = self.get_object()
        if not policy.staff_has(self.request.user, perm, suggestion.community_id):
            raise PermissionDenied()
        return suggestion

    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        suggestion = self._obj("notices.suggestion.reply")
        public = request.data.get("reply_public", True)
        public = (
            public
            if isinstance(public, bool)
            else str(public).lower() in ("1", "true", "yes", "on")
        )
        suggestion = services.reply_suggestion(
            actor=request.user,
            suggestion=suggestion,
            reply=str(request.data.get("reply", "")),
            public=public,
        )
        return Response(
            SuggestionSerializer(suggestion, context=self.get_serializer_context()).data
        )

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        suggestion = self._obj("notices.suggestion.reply")
        suggestion = services.close_suggestion(actor=request.user, suggestion=suggestion)
        return Response(
            SuggestionSerializer(suggestion, context=self.get_serializer_context()).data
        )


class AttendeeSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    role = serializers.CharField(required=False, allow_blank=True, max_length=50)
    person = ScopedRelatedField(Person, "core.person.view", required=False, allow_null=True)


class ActionItemSerializer(serializers.ModelSerializer):
    owner = StaffField("notices.meeting.manage", required=False, allow_null=True, label=_("owner"))
    owner_name = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "meeting",
            "community",
            "title",
            "owner",
            "owner_name",
            "due_on",
            "status",
            "resolution",
            "closed_at",
        ]
        read_only_fields = ["meeting", "community", "status", "resolution", "closed_at"]

    def get_owner_name(self, obj) -> str:
        return (obj.owner.get_full_name() or obj.owner.username) if obj.owner_id else ""


class MeetingSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "notices.meeting.manage", label=_("community"))
    attendees = AttendeeSerializer(many=True, required=False)
    action_items = ActionItemSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "community",
            "title",
            "held_at",
            "place",
            "status",
            "minutes",
            "minutes_public",
            "attendees",
            "action_items",
            "created_at",
        ]
        read_only_fields = ["status", "minutes", "minutes_public", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["attendees"] = [
            {"name": a.name, "role": a.role, "person": a.person_id}
            for a in instance.attendees.all()
        ]
        return data


class MeetingViewSet(ScopedModelViewSet):
    """座谈会: attendees, minutes and action items tracked to closure."""

    queryset = Meeting.objects.prefetch_related("attendees", "action_items__owner")
    serializer_class = MeetingSerializer
    permission_prefix = "notices.meeting"
    action_permissions = dict.fromkeys(
        ("create", "minutes", "action_items"), "notices.meeting.manage"
    )
    filterset_fields = ["community", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Meeting.objects.none()
        q = scope_q(Meeting, user, "notices.meeting.view")
        if q is None:
            return self.queryset.all()
        if user.person_id:
            q |= Q(
                community_id__in=user.resident_community_ids(), status="held", minutes_public=True
            )
        return self.queryset.filter(q)

    def create_object(self, data):
        return services.create_meeting(actor=self.request.user, **data)

    def _meeting(self):
        meeting = self.get_object()
        if not policy.staff_has(self.request.user, "notices.meeting.manage", meeting.community_id):
            raise PermissionDenied()
        return meeting

    @action(detail=True, methods=["post"])
    def minutes(self, request, pk=None):
        meeting = self._meeting()
        attendees = AttendeeSerializer(
            data=request.data.get("attendees", []), many=True, context=self.get_serializer_context()
        )
        attendees.is_valid(raise_exception=True)
        public = request.data.get("minutes_public", True)
        meeting = services.record_minutes(
            actor=request.user,
            meeting=meeting,
            minutes=str(request.data.get("minutes", "")),
            attendees=attendees.validated_data,
            minutes_public=bool(public),
        )
        return Response(MeetingSerializer(meeting, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"], url_path="action-items")
    def action_items(self, request, pk=None):
        meeting = self._meeting()
        serializer = ActionItemSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        item = services.add_action_item(
            actor=request.user, meeting=meeting, **serializer.validated_data
        )
        return Response(ActionItemSerializer(item).data, status=status.HTTP_201_CREATED)


class ActionItemViewSet(ScopedReadOnlyViewSet):
    queryset = ActionItem.objects.select_related("owner")
    serializer_class = ActionItemSerializer
    permission_prefix = "notices.meeting"
    action_permissions = {"close": "notices.meeting.manage", "reopen": "notices.meeting.manage"}
    filterset_fields = ["community", "meeting", "status", "owner"]

    def _item(self):
        item = self.get_object()
        if not policy.staff_has(self.request.user, "notices.meeting.manage", item.community_id):
            raise PermissionDenied()
        return item

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        item = services.close_action_item(
            actor=request.user,
            item=self._item(),
            resolution=str(request.data.get("resolution", "")),
        )
        return Response(ActionItemSerializer(item).data)

    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return Response(
            ActionItemSerializer(
                services.reopen_action_item(actor=request.user, item=self._item())
            ).data
        )
