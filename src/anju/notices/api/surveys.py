"""Survey API: /surveys/ (builder, schedule/open/close, one response per household, results)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from anju.core import policy
from anju.core.api import query
from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedModelViewSet
from anju.core.errors import InvalidTransition
from anju.core.models import Community
from anju.core.scoping import scope_q

from .. import selectors, services
from ..choices import SurveyStatus
from ..models import (
    Question,
    Survey,
)
from ..results import survey_results
from .common import first_held

# Surveys ------------------------------------------------------------------------------------


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "order", "kind", "text", "dimension", "options", "required"]
        read_only_fields = ["id", "order"]


class SurveySerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "notices.survey.manage", label=_("community"))
    questions = QuestionSerializer(many=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = [
            "id",
            "community",
            "title",
            "description",
            "status",
            "anonymous",
            "audience",
            "sample_size",
            "opens_at",
            "closes_at",
            "period",
            "invited_count",
            "response_count",
            "allowed_actions",
            "questions",
            "created_at",
        ]
        read_only_fields = ["status", "invited_count", "response_count", "created_at"]

    def get_allowed_actions(self, obj) -> list[str]:
        return [a for a in obj.machine.allowed_actions(obj.status) if a not in ("edit", "respond")]


class AnswerInput(serializers.Serializer):
    question = serializers.IntegerField()
    value = serializers.IntegerField(required=False, allow_null=True)
    choices = serializers.ListField(child=serializers.IntegerField(), required=False)
    text = serializers.CharField(required=False, allow_blank=True)


class ResponseInput(serializers.Serializer):
    house = serializers.IntegerField(required=False, allow_null=True)
    answers = AnswerInput(many=True)


class QuarterlyInput(serializers.Serializer):
    community = ScopedRelatedField(Community, "notices.survey.manage", label=_("community"))
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    anonymous = serializers.BooleanField(default=False)


class SurveyViewSet(ScopedModelViewSet):
    """Surveys: builder, schedule/open/close, one response per household, results."""

    queryset = Survey.objects.select_related("community").prefetch_related("questions")
    serializer_class = SurveySerializer
    # A survey is not edited once created (its answers would change meaning): build a new one.
    http_method_names = ["get", "post", "delete", "head", "options"]
    permission_prefix = "notices.survey"
    action_permissions = dict.fromkeys(
        ("create", "update", "partial_update", "destroy", "open", "close", "schedule", "quarterly"),
        "notices.survey.manage",
    )
    filterset_fields = ["community", "status", "period", "anonymous"]
    search_fields = ["title"]

    def required_permission(self):
        if self.action in ("list", "retrieve") or self.action is None:
            return first_held(self.request.user, ["notices.survey.view", "notices.survey.respond"])
        if self.action == "responses":
            return "notices.survey.respond"
        if self.action == "results":
            return "notices.survey.view"
        return super().required_permission()

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Survey.objects.none()
        q = scope_q(Survey, user, "notices.survey.view")
        if q is not None and user.person_id:
            invited = selectors.invited_survey_ids(user)
            q |= Q(pk__in=invited, status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED])
        queryset = self.queryset.all() if q is None else self.queryset.filter(q)
        community = query.identifier(self.request.query_params, "community")
        if self.action == "list" and community:
            queryset = queryset.filter(community_id=community)
        return queryset

    def create_object(self, data):
        return services.create_survey(actor=self.request.user, **data)

    def perform_destroy(self, instance):
        if instance.status != SurveyStatus.DRAFT:
            raise InvalidTransition(
                "delete",
                instance.status,
                instance.machine.allowed_actions(instance.status),
                machine=instance.machine,
            )
        from anju.core import services as core_services

        core_services.delete_object(instance, actor=self.request.user)

    def _check(self, survey, perm="notices.survey.manage"):
        if not policy.user_has(self.request.user, perm, survey.community_id):
            raise PermissionDenied()

    def _done(self, survey):
        return Response(SurveySerializer(survey, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        survey = self.get_object()
        self._check(survey)
        return self._done(services.open_survey(actor=request.user, survey=survey))

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        survey = self.get_object()
        self._check(survey)
        return self._done(services.close_survey(actor=request.user, survey=survey))

    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        survey = self.get_object()
        self._check(survey)
        try:
            opens_at = serializers.DateTimeField().to_internal_value(request.data.get("opens_at"))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"opens_at": exc.detail}) from None
        return self._done(
            services.schedule_survey(actor=request.user, survey=survey, opens_at=opens_at)
        )

    @action(detail=False, methods=["post"])
    def quarterly(self, request):
        """Create the quarterly satisfaction survey from the built-in template."""
        serializer = QuarterlyInput(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self.check_scope("notices.survey.manage", data["community"].pk)
        survey = services.create_quarterly_survey(actor=request.user, **data)
        return Response(
            SurveySerializer(survey, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["post"])
    def responses(self, request, pk=None):
        """A household's answers: {"house"?, "answers": [{"question", "value"|"choices"|"text"}]}."""
        survey = self.get_object()
        serializer = ResponseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        response = services.submit_response(
            actor=request.user, survey=survey, house=data.get("house"), answers=data["answers"]
        )
        return Response(
            {
                "id": response.pk,
                "survey": survey.pk,
                "house": response.house_id,
                "anonymous": response.anonymous,
                "submitted_at": response.submitted_at,
            },
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        survey = self.get_object()
        self._check(survey, "notices.survey.view")
        visible = None if request.user.is_superuser else request.user.staff_community_ids()
        return Response(survey_results(survey, visible_communities=visible))
