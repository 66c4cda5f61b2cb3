"""Base viewsets: scoping, permissions, service calls and Excel export in one place."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied

from .. import policy, services
from ..attachments import XLSX
from ..excel import export_rows, xlsx_response
from . import query
from .permissions import object_community_id

SAFE_ACTIONS = {"list", "retrieve", "metadata", "export", None}


class ScopedViewSetMixin:
    """``permission_prefix`` gives ``<prefix>.view`` for reading and ``<prefix>.change`` for
    writing; ``action_permissions`` overrides per action. Querysets go through
    ``visible_to(user, view permission)``, so out-of-scope objects are 404."""

    permission_prefix: str = ""
    action_permissions: dict[str, str] = {}
    create_permission: str | None = None  # defaults to "<prefix>.change"
    export_fields: list[str] | None = None
    # An export needs this as well as the view permission (the workbook leaves the system).
    export_permission = "core.export.run"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Scope first: on a detail route, an object outside the caller's scope is 404 before
        # the body is read, so its answer never depends on whether the object exists.
        lookup = self.lookup_url_kwarg or self.lookup_field
        if lookup in self.kwargs and not getattr(self, "swagger_fake_view", False):
            try:
                found = self.get_queryset().filter(**{self.lookup_field: self.kwargs[lookup]})
                exists = found.exists()
            except (TypeError, ValueError, DjangoValidationError):
                exists = False
            if not exists:
                raise NotFound()

    @property
    def view_permission(self):
        return f"{self.permission_prefix}.view"

    def required_permission(self):
        if self.action in self.action_permissions:
            return self.action_permissions[self.action]
        if self.action in SAFE_ACTIONS or self.request.method in permissions.SAFE_METHODS:
            return self.view_permission
        return f"{self.permission_prefix}.change"

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return queryset.none()
        queryset = queryset.visible_to(self.request.user, self.view_permission)
        community = (
            query.identifier(self.request.query_params, "community")
            if self.action == "list"
            else None
        )
        if community and hasattr(queryset, "in_community"):
            queryset = queryset.in_community(community)
        return queryset

    def check_scope(self, perm, community_id=None, organization_id=None):
        if not policy.user_has(self.request.user, perm, community_id, organization_id):
            raise PermissionDenied()

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request, *args, **kwargs):
        """The filtered list as an Excel workbook (.xlsx)."""
        if not policy.user_has(request.user, self.export_permission):
            raise PermissionDenied()
        queryset = self.filter_queryset(self.get_queryset())[:100000]
        serializer = self.get_serializer(queryset, many=True)
        rows = serializer.data
        fields = self.export_fields or (list(rows[0].keys()) if rows else [])
        content = export_rows(self.get_serializer_class()(), fields, rows)
        name = f"{self.basename}-{timezone.localdate():%Y%m%d}.xlsx"
        return xlsx_response(content, name)


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """CRUD where create calls ``create_object`` (a service) and updates are audited."""

    def create_object(self, data):
        raise NotImplementedError

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        community_id, organization_id = self.target_scope(data)
        perm = (
            self.create_permission
            or self.action_permissions.get("create")
            or f"{self.permission_prefix}.change"
        )
        self.check_scope(perm, community_id, organization_id)
        serializer.instance = self.create_object(data)

    def target_scope(self, data):
        """Community and organization a new object will live in, from validated data."""
        for key in ("house", "building", "community"):
            if key in data and data[key] is not None:
                obj = data[key]
                community_id = obj.pk if key == "community" else obj.community_id
                return community_id, obj.organization_id
        if "organization" in data:
            return None, data["organization"].pk
        return None, None

    def perform_update(self, serializer):
        serializer.instance = services.update_object(
            serializer.instance,
            dict(serializer.validated_data),
            actor=self.request.user,
        )

    def perform_destroy(self, instance):
        services.delete_object(instance, actor=self.request.user)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


__all__ = [
    "ScopedModelViewSet",
    "ScopedReadOnlyViewSet",
    "ScopedViewSetMixin",
    "mixins",
    "object_community_id",
]
