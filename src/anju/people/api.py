"""People API: employees, their licences, courses and training sessions with attendance,
clocking in and out, corrections, staff suggestions and the retention figures. Thin over
``services`` and ``selectors``."""

from django.urls import path
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from anju.core import policy
from anju.core.api.fields import ScopedRelatedField, StaffField
from anju.core.api.viewsets import ScopedModelViewSet
from anju.core.crypto import mask_middle
from anju.core.dates import period
from anju.core.errors import refuse
from anju.core.models import Community

from . import selectors, services
from .choices import ClockKind, SeparationReason
from .models import (
    Certificate,
    ClockRecord,
    Correction,
    Course,
    Employee,
    ManagerReview,
    SessionAttendance,
    StaffSuggestion,
    TrainingSession,
)

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


class EmployeeSerializer(serializers.ModelSerializer):
    # Blank until the person leaves: the schema says so (an enum with "").
    separation_reason = serializers.ChoiceField(
        choices=SeparationReason.choices, allow_blank=True, read_only=True
    )
    community = ScopedRelatedField(Community, "people.employee.manage", label=_("community"))
    user = StaffField("people.employee.manage", required=False, allow_null=True, label=_("login"))
    id_number = serializers.CharField(
        write_only=True, required=False, allow_blank=True, label=_("ID number")
    )
    id_number_masked = serializers.SerializerMethodField()

    class Meta:
        model = Employee
        fields = [
            "id",
            "community",
            "user",
            "name",
            "phone",
            "id_number",
            "id_number_masked",
            "position",
            "employment",
            "contractor",
            "hire_date",
            "probation_end",
            "emergency_contact",
            "emergency_phone",
            "separated_on",
            "separation_reason",
            "separation_note",
            "created_at",
        ]
        read_only_fields = ["separated_on", "separation_reason", "separation_note", "created_at"]

    def get_id_number_masked(self, obj) -> str:
        request = self.context.get("request")
        if not obj.id_number:
            return ""
        if request and policy.staff_has(request.user, "people.employee.view_id", obj.community_id):
            return obj.id_number
        return mask_middle(obj.id_number, 3, 2)


class EmployeeViewSet(ScopedModelViewSet):
    """员工档案: the company's people, with or without a login."""

    queryset = Employee.objects.select_related("community", "user")
    serializer_class = EmployeeSerializer
    permission_prefix = "people.employee"
    http_method_names = NO_DELETE
    action_permissions = {
        "create": "people.employee.manage",
        "update": "people.employee.manage",
        "partial_update": "people.employee.manage",
        "separate": "people.employee.manage",
        "onboarding": "people.employee.manage",
    }
    filterset_fields = ["community", "position", "employment"]
    search_fields = ["name"]

    def create_object(self, data):
        return services.hire(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("community", None)  # a transfer is a separation and a new hire
        serializer.instance = services.update_employee(
            actor=self.request.user, employee=serializer.instance, **data
        )

    @extend_schema(request=OpenApiTypes.OBJECT, responses=EmployeeSerializer)
    @action(detail=True, methods=["post"])
    def separate(self, request, pk=None):
        """离职: {"on": date, "reason", "note"}."""
        on = parse_date(str(request.data.get("on") or ""))
        if on is None:
            refuse("on", _("Give the day the person leaves as YYYY-MM-DD."))
        employee = services.separate(
            actor=request.user,
            employee=self.get_object(),
            on=on,
            reason=request.data.get("reason", ""),
            note=request.data.get("note", ""),
        )
        return Response(self.get_serializer(employee).data)

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def onboarding(self, request, pk=None):
        """入司教育: tick off {"item"} of the onboarding checklist."""
        employee = self.get_object()
        services.tick_onboarding(
            actor=request.user, employee=employee, item=request.data.get("item")
        )
        return Response(
            {
                "items": [
                    {"item": key, "label": str(label), "done": tick is not None}
                    for key, label, tick in selectors.onboarding_of(employee)
                ]
            }
        )


class StaffCertificateSerializer(serializers.ModelSerializer):
    employee = ScopedRelatedField(Employee, "people.certificate.manage", label=_("employee"))
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "employee",
            "kind",
            "kind_label",
            "number",
            "issuer",
            "issued_on",
            "expires_on",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class CertificateViewSet(ScopedModelViewSet):
    """持证上岗: the licences people hold (特种作业, 特种设备, 消防设施操作员, 保安员证, 健康证)."""

    queryset = Certificate.objects.select_related("employee")
    serializer_class = StaffCertificateSerializer
    permission_prefix = "people.certificate"
    http_method_names = NO_DELETE
    action_permissions = dict.fromkeys(
        ("create", "update", "partial_update"), "people.certificate.manage"
    )
    filterset_fields = ["employee", "kind"]

    def target_scope(self, data):
        employee = data.get("employee")
        return employee.community_id, employee.organization_id

    def create_object(self, data):
        return services.add_certificate(
            actor=self.request.user, scan=self.request.FILES.getlist("scan"), **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("employee", None)
        serializer.instance = services.update_certificate(
            actor=self.request.user, certificate=serializer.instance, **data
        )


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", "title", "topic", "pass_mark", "quiz", "yearly_for", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"pass_mark": {"required": False}}


class CourseViewSet(ScopedModelViewSet):
    """培训课程: 安全, 消防, 礼仪与话术, 专业技能, with a short quiz and a pass mark."""

    queryset = Course.objects.all()
    serializer_class = CourseSerializer
    permission_prefix = "people.training"
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {"create": "people.training.manage"}
    filterset_fields = ["topic"]

    def create_object(self, data):
        organization = next(
            (
                m.organization
                for m in self.request.user.active_memberships()
                if policy.role_has(m.role, "people.training.manage")
            ),
            None,
        )
        if organization is None:
            raise PermissionDenied()
        return services.create_course(actor=self.request.user, organization=organization, **data)


class AttendanceSerializer(serializers.ModelSerializer):
    employee_name = serializers.CharField(source="employee.name", read_only=True)

    class Meta:
        model = SessionAttendance
        fields = ["employee", "employee_name", "score", "passed"]
        read_only_fields = fields  # written through the attendance action's own input


class TrainingSessionSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "people.training.manage", label=_("community"))
    course = ScopedRelatedField(Course, "people.training.view", label=_("course"))
    attendance = AttendanceSerializer(many=True, read_only=True)

    class Meta:
        model = TrainingSession
        fields = ["id", "community", "course", "held_on", "trainer", "attendance", "created_at"]
        read_only_fields = ["created_at"]


class TrainingSessionViewSet(ScopedModelViewSet):
    """培训: sessions of a course with who attended and their quiz results."""

    queryset = TrainingSession.objects.select_related("course").prefetch_related(
        "attendance__employee"
    )
    serializer_class = TrainingSessionSerializer
    permission_prefix = "people.training"
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {"create": "people.training.manage", "attend": "people.training.manage"}
    filterset_fields = ["community", "course"]

    def create_object(self, data):
        return services.hold_session(actor=self.request.user, **data)

    @extend_schema(request=OpenApiTypes.OBJECT, responses=TrainingSessionSerializer)
    @action(detail=True, methods=["post"], url_path="attendance")
    def attend(self, request, pk=None):
        """签到: {"employee", "answers": [option index, ...]} or {"employee", "score"}."""
        session = self.get_object()
        employee = (
            Employee.objects.visible_to(request.user, "people.training.manage")
            .filter(pk=_int(request.data.get("employee")))
            .first()
        )
        if employee is None:
            refuse("employee", _("Choose a person of this company."))
        services.record_attendance(
            actor=request.user,
            session=session,
            employee=employee,
            answers=request.data.get("answers"),
            score=_int(request.data.get("score"), None),
        )
        session = self.get_queryset().get(pk=session.pk)
        return Response(self.get_serializer(session).data, status=status.HTTP_201_CREATED)


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class ClockRecordSerializer(serializers.ModelSerializer):
    employee_name = serializers.CharField(source="employee.name", read_only=True)

    class Meta:
        model = ClockRecord
        fields = [
            "id",
            "employee",
            "employee_name",
            "community",
            "kind",
            "at",
            "method",
            "distance_m",
        ]
        read_only_fields = fields  # written only by the clock action


class ClockSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(ClockKind.choices, label=_("clock"))
    lat = serializers.CharField(required=False, allow_blank=True, label=_("latitude"))
    lng = serializers.CharField(required=False, allow_blank=True, label=_("longitude"))
    qr = serializers.CharField(required=False, allow_blank=True, label=_("office QR code"))


class AttendanceViewSet(viewsets.ReadOnlyModelViewSet):
    """考勤: each person's own clock records (and those a manager may view), by ``?month=``;
    ``POST clock/`` clocks in or out."""

    serializer_class = ClockRecordSerializer
    filterset_fields = ["employee", "community", "kind"]

    def required_permission(self):
        return "people.attendance.view" if self.action == "sheet" else None

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return ClockRecord.objects.none()
        queryset = selectors.clocks_readable_by(user)
        month = self.request.query_params.get("month")
        if month and self.action == "list":
            first, last = selectors.month_bounds(month)
            queryset = queryset.filter(at__date__gte=first, at__date__lte=last)
        return queryset

    @extend_schema(request=ClockSerializer, responses={201: ClockRecordSerializer})
    @action(detail=False, methods=["post"])
    def clock(self, request):
        serializer = ClockSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.clock(actor=request.user, **serializer.validated_data)
        return Response(ClockRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("community", int), OpenApiParameter("month", str)],
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=False, methods=["get"])
    def sheet(self, request):
        """考勤表: the month's sheet of a community (shifts, late, left early, absent, overtime)."""
        community = (
            Community.objects.visible_to(request.user, "people.attendance.view")
            .filter(pk=_int(request.query_params.get("community")))
            .first()
        )
        if community is None:
            refuse("community", _("Choose a community."))
        rows = selectors.monthly_sheet(request.user, community, request.query_params.get("month"))
        return Response(
            {
                "community": community.pk,
                "month": request.query_params.get("month"),
                "rows": [
                    {
                        "employee": r["employee"].pk,
                        "name": r["employee"].name,
                        **{
                            k: r[k]
                            for k in (
                                "shifts",
                                "on_time",
                                "late",
                                "left_early",
                                "absent",
                                "no_clock_out",
                                "late_minutes",
                                "overtime_minutes",
                            )
                        },
                    }
                    for r in rows
                ],
            }
        )


class CorrectionSerializer(serializers.ModelSerializer):
    employee_name = serializers.CharField(source="employee.name", read_only=True)

    class Meta:
        model = Correction
        fields = [
            "id",
            "employee",
            "employee_name",
            "community",
            "kind",
            "at",
            "reason",
            "status",
            "decided_at",
            "decision_note",
            "created_at",
        ]
        read_only_fields = [
            "employee",
            "community",
            "status",
            "decided_at",
            "decision_note",
            "created_at",
        ]


class CorrectionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """补卡: a person asks for a missed clock; the manager approves or rejects it."""

    serializer_class = CorrectionSerializer
    filterset_fields = ["status", "community"]

    def required_permission(self):
        return "people.attendance.manage" if self.action in ("approve", "reject") else None

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Correction.objects.none()
        return selectors.corrections_readable_by(user)

    def perform_create(self, serializer):
        serializer.instance = services.request_correction(
            actor=self.request.user, **serializer.validated_data
        )

    def _decide(self, request, approve):
        correction = services.decide_correction(
            actor=request.user,
            correction=self.get_object(),
            approve=approve,
            note=request.data.get("note", ""),
        )
        return Response(self.get_serializer(correction).data)

    @extend_schema(request=OpenApiTypes.OBJECT, responses=CorrectionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, True)

    @extend_schema(request=OpenApiTypes.OBJECT, responses=CorrectionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, False)


class StaffSuggestionSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = StaffSuggestion
        fields = [
            "id",
            "community",
            "author_name",
            "title",
            "body",
            "status",
            "answer",
            "answered_at",
            "reward",
            "done_at",
            "created_at",
        ]
        read_only_fields = [
            "community",
            "status",
            "answer",
            "answered_at",
            "reward",
            "done_at",
            "created_at",
        ]

    def get_author_name(self, obj) -> str:
        return obj.author.get_full_name() or obj.author.username


class SuggestionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """合理化建议: any employee submits; the manager answers, adopts and sees it done."""

    serializer_class = StaffSuggestionSerializer
    filterset_fields = ["status", "community"]

    def required_permission(self):
        return "people.suggestion.answer" if self.action in ("answer", "complete") else None

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return StaffSuggestion.objects.none()
        return selectors.suggestions_readable_by(user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.submit_suggestion(
            actor=self.request.user, title=data.get("title"), body=data.get("body")
        )

    @extend_schema(request=OpenApiTypes.OBJECT, responses=StaffSuggestionSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """{"adopt": bool, "answer", "reward"}."""
        adopt = str(request.data.get("adopt", "")).lower() in ("1", "true", "yes", "on")
        suggestion = services.answer_suggestion(
            actor=request.user,
            suggestion=self.get_object(),
            adopt=adopt,
            answer=request.data.get("answer", ""),
            reward=request.data.get("reward"),
        )
        return Response(self.get_serializer(suggestion).data)

    @extend_schema(request=None, responses=StaffSuggestionSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        suggestion = services.complete_suggestion(actor=request.user, suggestion=self.get_object())
        return Response(self.get_serializer(suggestion).data)


def _json(value):
    return str(value) if value is not None and not isinstance(value, int) else value


@extend_schema(
    parameters=[
        OpenApiParameter("community", int),
        OpenApiParameter("from", str),
        OpenApiParameter("to", str),
    ],
    responses={200: OpenApiTypes.OBJECT},
)
@api_view(["GET"])
def retention(request):
    """拴心留人: headcount, hires, separations and turnover (separations / average headcount)
    per month, tenure, separations within probation, reasons for leaving."""
    if not policy.staff_has(request.user, "people.retention.view"):
        raise PermissionDenied()
    start, end = period(request.query_params, days=365, strict=True)
    community = request.query_params.get("community")
    community_id = None
    if community:
        found = Community.objects.visible_to(request.user, "people.retention.view").filter(
            pk=_int(community)
        )
        if not found.exists():
            refuse("community", _("Choose a community."))
        community_id = _int(community)
    figures = selectors.retention(request.user, start, end, community_id)
    return Response(
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "community": community_id,
            "headcount": figures["headcount"],
            "hires": figures["hires"],
            "separations": figures["separations"],
            "within_probation": figures["within_probation"],
            "turnover": _json(figures["turnover"]),
            "average_tenure_months": _json(figures["average_tenure_months"]),
            "leavers_tenure_months": _json(figures["leavers_tenure_months"]),
            "reasons": figures["reasons"],
            "months": [{k: _json(v) for k, v in m.items()} for m in figures["months"]],
        }
    )


urlpatterns = [path("retention/", retention, name="api-retention")]


class ReviewSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "people.review.manage", label=_("community"))
    manager = StaffField("people.review.manage", roles=["manager"], label=_("community manager"))

    class Meta:
        model = ManagerReview
        fields = [
            "id",
            "community",
            "manager",
            "quarter",
            "leadership",
            "service",
            "safety",
            "team",
            "score",
            "comment",
            "measures",
            "status",
            "acknowledged_at",
            "created_at",
        ]
        read_only_fields = ["score", "measures", "status", "acknowledged_at", "created_at"]


class ReviewViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """主任季度考核: the company records (or revises) a manager's quarter; the manager reads and
    acknowledges it."""

    serializer_class = ReviewSerializer
    filterset_fields = ["community", "manager", "quarter", "status"]

    def required_permission(self):
        return "people.review.manage" if self.action == "create" else None

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return ManagerReview.objects.none()
        return selectors.reviews_readable_by(user)

    def perform_create(self, serializer):
        serializer.instance = services.record_review(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=None, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        review = services.acknowledge_review(actor=request.user, review=self.get_object())
        return Response(self.get_serializer(review).data)


def register(router):
    router.register("employees", EmployeeViewSet, basename="employee")
    router.register("certificates", CertificateViewSet, basename="certificate")
    router.register("courses", CourseViewSet, basename="course")
    router.register("training-sessions", TrainingSessionViewSet, basename="training-session")
    router.register("attendance-corrections", CorrectionViewSet, basename="attendance-correction")
    router.register("attendance", AttendanceViewSet, basename="attendance")
    router.register("staff-suggestions", SuggestionViewSet, basename="staff-suggestion")
    router.register("manager-reviews", ReviewViewSet, basename="manager-review")
