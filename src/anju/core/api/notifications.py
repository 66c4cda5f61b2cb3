"""The caller's own notifications (/notifications/) and their settings
(/me/notification-preferences/): nobody reads another person's messages (404)."""

from django.conf import settings
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import notifications
from ..models import Notification

TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no", "")


class NotificationSerializer(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "title",
            "body",
            "link",
            "event",
            "urgent",
            "created_at",
            "read_at",
            "unread",
        ]
        read_only_fields = fields

    def get_unread(self, obj) -> bool:
        return obj.read_at is None


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The current user's in-app inbox (站内信), newest first."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    queryset = Notification.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        raw = self.request.query_params.get("unread", "").lower()
        if raw not in TRUE + FALSE:
            raise ValidationError({"unread": [_("Use 1 for unread only or 0 for all.")]})
        return notifications.inbox_of(self.request.user, unread=raw in TRUE)

    @extend_schema(
        parameters=[OpenApiParameter("unread", str, description="1: only the unread ones")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _own(self, pk):
        note = None
        if str(pk).isdecimal():
            note = Notification.objects.filter(pk=int(pk[:18]), user=self.request.user).first()
        if note is None:
            raise NotFound()
        return note

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        note = notifications.mark_read(actor=request.user, notification=self._own(pk))
        return Response(NotificationSerializer(note).data)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"read": notifications.mark_all_read(actor=request.user)})

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"count": notifications.unread_count(request.user)})


class PreferenceSerializer(serializers.Serializer):
    inbox = serializers.BooleanField(required=False, label=_("in-app inbox"))
    sms = serializers.BooleanField(required=False, label=_("SMS"))
    wechat = serializers.BooleanField(required=False, label=_("WeChat"))
    email = serializers.BooleanField(required=False, label=_("email"))
    quiet_start = serializers.TimeField(
        required=False, allow_null=True, format="%H:%M", label=_("quiet hours from")
    )
    quiet_end = serializers.TimeField(
        required=False, allow_null=True, format="%H:%M", label=_("quiet hours until")
    )
    language = serializers.ChoiceField(
        choices=[("", "")] + list(settings.LANGUAGES), required=False, label=_("language")
    )


def preferences_data(user):
    pref = notifications.preference_of(user)
    configured = notifications.configured_channels()
    return {
        "inbox": True,
        "sms": pref.sms,
        "wechat": pref.wechat,
        "email": pref.email,
        "available": ["inbox", *configured],
        "quiet_start": pref.quiet_start.strftime("%H:%M") if pref.quiet_start else None,
        "quiet_end": pref.quiet_end.strftime("%H:%M") if pref.quiet_end else None,
        "language": user.language,
    }


@extend_schema(
    methods=["GET"], responses={200: OpenApiTypes.OBJECT}, operation_id="notification_prefs_get"
)
@extend_schema(
    methods=["PATCH"],
    request=PreferenceSerializer,
    responses={200: OpenApiTypes.OBJECT},
    operation_id="notification_prefs_patch",
)
@api_view(["GET", "PATCH"])
@permission_classes([IsAuthenticated])
def notification_preferences(request):
    """消息设置: the inbox is always on; SMS, WeChat and email where the site has them; quiet
    hours (HH:MM, both or neither) hold back non-urgent WeChat/SMS until they end."""
    if request.method == "PATCH":
        serializer = PreferenceSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        notifications.update_preferences(actor=request.user, **serializer.validated_data)
    return Response(preferences_data(request.user))


urlpatterns = [
    path(
        "me/notification-preferences/",
        notification_preferences,
        name="api-notification-preferences",
    ),
]


def register(router):
    router.register("notifications", NotificationViewSet, basename="notification")
