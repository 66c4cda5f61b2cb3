"""Notices API: /notices/ (publish, archive, reach, attachments) and the residents' /inbox/."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from anju.core import attachments, policy
from anju.core.api import query
from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedModelViewSet
from anju.core.errors import InvalidTransition
from anju.core.models import Building, Community, Entrance, House, Organization

from .. import selectors, services
from ..choices import NoticeStatus
from ..models import (
    Notice,
    NoticeReceipt,
)
from .common import MANAGE

# Notices ------------------------------------------------------------------------------------


class NoticeSerializer(serializers.ModelSerializer):
    organization = ScopedRelatedField(Organization, MANAGE, required=False, label=_("company"))
    community = ScopedRelatedField(
        Community, MANAGE, required=False, allow_null=True, label=_("community")
    )
    buildings = ScopedRelatedField(
        Building, MANAGE, many=True, required=False, label=_("buildings")
    )
    entrances = ScopedRelatedField(
        Entrance, MANAGE, many=True, required=False, label=_("entrances")
    )
    houses = ScopedRelatedField(House, MANAGE, many=True, required=False, label=_("houses"))
    allowed_actions = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "organization",
            "community",
            "kind",
            "title",
            "body",
            "status",
            "pinned",
            "urgent",
            "audience_scope",
            "audience_kind",
            "relations",
            "staff_roles",
            "buildings",
            "entrances",
            "houses",
            "publish_at",
            "expires_at",
            "published_at",
            "archived_at",
            "recipient_count",
            "allowed_actions",
            "attachments",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "published_at",
            "archived_at",
            "recipient_count",
            "created_at",
        ]

    def get_allowed_actions(self, obj) -> list[str]:
        return [a for a in obj.allowed_actions() if a != "edit"]

    def get_attachments(self, obj) -> list[dict]:
        known = self.context.get("attachments")
        rows = (
            known.get(str(obj.pk), []) if known is not None else selectors.notice_attachments(obj)
        )
        return [attachments.describe(a) for a in rows]


class NoticeViewSet(ScopedModelViewSet):
    """Notices: draft -> scheduled -> published -> archived; 409 on a wrong state."""

    queryset = Notice.objects.select_related("community")
    serializer_class = NoticeSerializer
    permission_prefix = "notices.notice"
    action_permissions = dict.fromkeys(
        (
            "create",
            "update",
            "partial_update",
            "destroy",
            "publish",
            "archive",
            "schedule",
            "unschedule",
            "reach",
            "resend",
            "attachments",
        ),
        MANAGE,
    )
    filterset_fields = ["community", "kind", "status", "pinned", "urgent", "audience_kind"]
    search_fields = ["title", "body"]

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Notice.objects.none()
        queryset = self.queryset.filter(
            pk__in=selectors.readable_notices(user, self.view_permission).values("pk")
        )
        community = query.identifier(self.request.query_params, "community")
        if self.action == "list" and community:
            queryset = queryset.filter(community_id=community)
        return queryset.prefetch_related("buildings", "entrances", "houses")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._attachments = selectors.attachments_by_notice([n.pk for n in page])
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "_attachments", None) is not None:
            context["attachments"] = self._attachments
        return context

    def _check(self, notice):
        if not policy.user_has(
            self.request.user, MANAGE, notice.community_id, notice.organization_id
        ):
            raise PermissionDenied()

    def create_object(self, data):
        return services.create_notice(actor=self.request.user, **data)

    def perform_update(self, serializer):
        self._check(serializer.instance)
        serializer.instance = services.update_notice(
            actor=self.request.user,
            notice=serializer.instance,
            data=dict(serializer.validated_data),
        )

    def perform_destroy(self, instance):
        if instance.status != NoticeStatus.DRAFT:
            raise InvalidTransition(
                "delete", instance.status, instance.allowed_actions(), machine=instance.machine
            )
        from anju.core import services as core_services

        core_services.delete_object(instance, actor=self.request.user)

    def _done(self, notice):
        return Response(NoticeSerializer(notice, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        notice = self.get_object()
        return self._done(services.publish_notice(actor=request.user, notice=notice))

    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        return self._done(services.archive_notice(actor=request.user, notice=self.get_object()))

    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        field = serializers.DateTimeField()
        try:
            publish_at = field.to_internal_value(request.data.get("publish_at"))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"publish_at": exc.detail}) from None
        return self._done(
            services.schedule_notice(
                actor=request.user, notice=self.get_object(), publish_at=publish_at
            )
        )

    @action(detail=True, methods=["post"])
    def unschedule(self, request, pk=None):
        return self._done(services.unschedule_notice(actor=request.user, notice=self.get_object()))

    @action(detail=True, methods=["get"])
    def reach(self, request, pk=None):
        """Who has read it, by building, and who has not."""
        report = selectors.reach_report(self.get_object())
        if not policy.staff_has(request.user, "core.person.view_contact"):
            from anju.core.crypto import mask_middle

            for row in report["unread_recipients"]:
                row["phone"] = mask_middle(row["phone"])
        return Response(report)

    @extend_schema(
        request=None,
        responses={
            200: {
                "type": "object",
                "properties": {"resent": {"type": "integer"}},
                "required": ["resent"],
            }
        },
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """One click: SMS/email to everyone who has not read it yet."""
        count = services.resend_to_unread(actor=request.user, notice=self.get_object())
        return Response({"resent": count})

    @action(
        detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser, parsers.FormParser]
    )
    def attachments(self, request, pk=None):
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": [_("Choose a file.")]})
        notice = self.get_object()
        attachment = services.attach_file(actor=request.user, notice=notice, upload=upload)
        return Response(attachments.describe(attachment), status=status.HTTP_201_CREATED)


class InboxSerializer(serializers.ModelSerializer):
    notice = serializers.IntegerField(source="notice_id", read_only=True)
    kind = serializers.CharField(source="notice.kind", read_only=True)
    title = serializers.CharField(source="notice.title", read_only=True)
    body = serializers.CharField(source="notice.body", read_only=True)
    pinned = serializers.BooleanField(source="notice.pinned", read_only=True)
    urgent = serializers.BooleanField(source="notice.urgent", read_only=True)
    published_at = serializers.DateTimeField(source="notice.published_at", read_only=True)
    community_name = serializers.CharField(
        source="notice.community.name", read_only=True, default=""
    )
    read = serializers.SerializerMethodField()

    class Meta:
        model = NoticeReceipt
        fields = [
            "id",
            "notice",
            "kind",
            "title",
            "body",
            "pinned",
            "urgent",
            "published_at",
            "community_name",
            "delivered_at",
            "read",
            "read_at",
        ]

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class InboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The current person's notices (residents) or user's (staff), pinned and unread first."""

    serializer_class = InboxSerializer
    permission_classes = [IsAuthenticated]
    queryset = NoticeReceipt.objects.none()
    filterset_fields = ["read_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return NoticeReceipt.objects.none()
        queryset = selectors.inbox_for(self.request.user).select_related("notice__community")
        if query.flag(self.request.query_params, "unread"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset.order_by("-notice__pinned", "-delivered_at", "-id")

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        receipt = self.get_object()
        services.mark_read(actor=request.user, receipt=receipt)
        return Response(InboxSerializer(receipt).data)
