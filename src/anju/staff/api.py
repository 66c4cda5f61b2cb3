"""Staff API: performance measures per person, and evaluations (record, read, acknowledge)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from anju.core import policy
from anju.core.api.fields import ScopedRelatedField, StaffField
from anju.core.dates import period
from anju.core.models import Community

from . import selectors, services
from .choices import FIELD_ROLES
from .models import Evaluation


class EvaluationSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "staff.evaluation.manage", label=_("community"))
    # Only people the caller may measure (selectors.people); anyone else is unknown (404).
    staff = StaffField("staff.performance.view", roles=FIELD_ROLES, label=_("staff member"))
    staff_name = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "community",
            "staff",
            "staff_name",
            "period",
            "attitude",
            "quality",
            "timeliness",
            "discipline",
            "score",
            "comment",
            "measures",
            "status",
            "evaluator",
            "acknowledged_at",
            "created_at",
        ]
        read_only_fields = [
            "score",
            "measures",
            "status",
            "evaluator",
            "acknowledged_at",
            "created_at",
        ]

    def get_staff_name(self, obj) -> str:
        return obj.staff.get_full_name() or obj.staff.username


class EvaluationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """员工考核: managers record (or revise) a month's evaluation; each person reads their own and
    acknowledges it."""

    serializer_class = EvaluationSerializer
    filterset_fields = ["community", "staff", "period", "status"]

    def required_permission(self):
        # Reading and acknowledging are a person's own (the queryset holds their rows and
        # those they may view); recording one is the managers'.
        return "staff.evaluation.manage" if self.action == "create" else None

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Evaluation.objects.none()
        return selectors.evaluations_readable_by(user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.record_evaluation(actor=self.request.user, **data)

    @extend_schema(request=None, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        evaluation = services.acknowledge(actor=request.user, evaluation=self.get_object())
        return Response(
            EvaluationSerializer(evaluation, context=self.get_serializer_context()).data
        )


@extend_schema(
    parameters=[OpenApiParameter("from", str), OpenApiParameter("to", str)],
    responses={200: OpenApiTypes.OBJECT},
)
@api_view(["GET"])
def staff_performance(request):
    """员工绩效: each app's measures per person over the period (ratios 0..1)."""
    if not policy.staff_has(request.user, "staff.performance.view"):
        raise PermissionDenied()
    start, end = period(request.query_params, strict=True)
    staff, metrics = selectors.performance(request.user, start, end)
    return Response(
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "staff": [{"id": p.pk, "name": p.get_full_name() or p.username} for p in staff],
            "metrics": [m.as_json([p.pk for p in staff]) for m in metrics],
        }
    )


urlpatterns = [path("staff-performance/", staff_performance, name="api-staff-performance")]


def register(router):
    router.register("evaluations", EvaluationViewSet, basename="evaluation")
