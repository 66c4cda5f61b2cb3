"""Self-service accounts API: SMS codes, registration, login and password reset by code, home
claims (业主认证) with the staff's review, and a household's members."""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from anju.core import logins
from anju.core.api.accounts import TokenView
from anju.core.api.attachments import AttachmentsField
from anju.core.api.fields import ScopedRelatedField
from anju.core.models import House, Occupancy

from . import selectors, services
from .choices import ClaimRelation, MemberRelation, Purpose
from .models import HouseClaim

PHONE = {"label": _("Phone number"), "max_length": 30}
CODE = {"label": _("Verification code"), "max_length": 12}
PASSWORD = {"max_length": 4096, "trim_whitespace": False, "write_only": True}
TOKEN_ANSWER = inline_serializer(
    "CodeTokenResponse", {"token": serializers.CharField(), "expires": serializers.DateTimeField()}
)


class AnonymousView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []  # a stale token header must not stop an anonymous flow


class CodeRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(**PHONE)
    purpose = serializers.ChoiceField(Purpose.choices, label=_("Purpose"))


class SmsCodeView(AnonymousView):
    """POST {"phone", "purpose"} -> 202, whether or not a code was sent (an unknown phone on
    login or reset, a registered one on register, is sent nothing); 429 when asked too often."""

    @extend_schema(request=CodeRequestSerializer, responses={202: None})
    def post(self, request):
        serializer = CodeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_code(
            actor=None, address=logins.client_address(request), **serializer.validated_data
        )
        return Response({"detail": _("If the phone may use it, a code is on its way.")}, 202)


class RegisterSerializer(serializers.Serializer):
    phone = serializers.CharField(**PHONE)
    code = serializers.CharField(**CODE)
    name = serializers.CharField(label=_("Name"), max_length=100)
    password = serializers.CharField(
        label=_("Password"), required=False, allow_blank=True, **PASSWORD
    )


def _token(request, user, status=200):
    key, login = logins.issue_token(user, request)
    return Response({"token": key, "expires": login.expires_at}, status=status)


class RegisterView(AnonymousView):
    """POST {"phone", "code", "name", "password"?} -> 201 {"token"}: a new resident login."""

    @extend_schema(request=RegisterSerializer, responses={201: TOKEN_ANSWER})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.register(actor=None, **serializer.validated_data)
        return _token(request, user, status=201)


class ResetSerializer(serializers.Serializer):
    phone = serializers.CharField(**PHONE)
    code = serializers.CharField(**CODE)
    new_password = serializers.CharField(label=_("New password"), **PASSWORD)


class ResetPasswordView(AnonymousView):
    """POST {"phone", "code", "new_password"} -> 204; every login of the account ends."""

    @extend_schema(request=ResetSerializer, responses={204: None})
    def post(self, request):
        serializer = ResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.reset_password(actor=None, **serializer.validated_data)
        return Response(status=204)


class CodeTokenSerializer(serializers.Serializer):
    phone = serializers.CharField(**PHONE)
    code = serializers.CharField(**CODE)


class AnyTokenLoginSerializer(serializers.Serializer):
    """Either ``username`` and ``password`` (core's login) or ``phone`` and ``code``."""

    username = serializers.CharField(label=_("Username or phone"), max_length=150, required=False)
    password = serializers.CharField(label=_("Password"), required=False, **PASSWORD)
    wechat_bind_ticket = serializers.CharField(max_length=1000, required=False)
    phone = serializers.CharField(required=False, **PHONE)
    code = serializers.CharField(required=False, **CODE)


class CodeOrPasswordTokenView(TokenView):
    """POST {"username", "password"} or {"phone", "code"} -> a new token for this device."""

    serializer_class = AnyTokenLoginSerializer

    @extend_schema(request=AnyTokenLoginSerializer, responses={200: TOKEN_ANSWER})
    def post(self, request, *args, **kwargs):
        data = request.data if isinstance(request.data, dict) else {}
        if "code" not in data:
            return super().post(request, *args, **kwargs)
        serializer = CodeTokenSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        user = services.login_with_code(actor=None, **serializer.validated_data)
        return _token(request, user)


class HouseClaimSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(
        House, visible=selectors.claimable_houses, label=_("house"), write_only=True
    )
    house_id = serializers.IntegerField(read_only=True)
    house_label = serializers.SerializerMethodField()
    relation = serializers.ChoiceField(ClaimRelation.choices, label=_("relation"))
    evidence = serializers.ImageField(label=_("evidence"), required=False, write_only=True)
    attachments = AttachmentsField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = HouseClaim
        fields = [
            "id",
            "house",
            "house_id",
            "house_label",
            "community",
            "name",
            "phone",
            "relation",
            "status",
            "reason",
            "evidence",
            "attachments",
            "allowed_actions",
            "decided_at",
            "created_at",
        ]
        read_only_fields = ["community", "name", "phone", "status", "reason", "decided_at"]

    def get_house_label(self, obj) -> str:
        return str(obj.house)

    def get_allowed_actions(self, obj) -> list[str]:
        return HouseClaim.machine.allowed_actions(obj.status)


class ClaimRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=500, required=False, default="")


class HouseClaimViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """业主认证: a resident claims a house (approved at once when their phone is an owner's on
    record, else reviewed by the community's staff); staff approve or reject."""

    serializer_class = HouseClaimSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["status", "community", "house"]

    def required_permission(self):
        if self.action in ("approve", "reject"):
            return services.REVIEW
        return None  # one's own claims; staff also read their queue (selectors)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HouseClaim.objects.none()
        return selectors.claims_readable_by(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        house = data["house"]
        evidence = data.get("evidence")
        serializer.instance = services.claim_house(
            actor=self.request.user,
            house=house,
            relation=data["relation"],
            evidence=[evidence] if evidence else None,
        )

    def _answer(self, claim):
        return Response(HouseClaimSerializer(claim, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=HouseClaimSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._answer(services.approve_claim(actor=request.user, claim=self.get_object()))

    @extend_schema(request=ClaimRejectSerializer, responses=HouseClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        serializer = ClaimRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.reject_claim(
            actor=request.user, claim=self.get_object(), reason=serializer.validated_data["reason"]
        )
        return self._answer(claim)


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    phone = serializers.CharField(write_only=True, **PHONE)
    name = serializers.CharField(label=_("Name"), max_length=100, write_only=True)
    relation = serializers.ChoiceField(MemberRelation.choices, label=_("relation"))
    since = serializers.DateField(label=_("since"), required=False, allow_null=True)
    until = serializers.DateField(label=_("until"), required=False, allow_null=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    active = serializers.SerializerMethodField()

    def get_active(self, obj) -> bool:
        from django.utils import timezone

        return obj.until is None or obj.until > timezone.localdate()


@extend_schema(request=MemberSerializer, responses=MemberSerializer(many=True))
@api_view(["GET", "POST"])
@permission_classes([IsAuthenticated])
def my_house_members(request, house):
    """The family members and tenants of a house the caller owns (else 404); POST adds one
    and invites them by SMS."""
    owned = services.owned_house(actor=request.user, house_id=house)
    if request.method == "POST":
        serializer = MemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        occupancy = services.add_member(
            actor=request.user, house=owned, **serializer.validated_data
        )
        return Response(MemberSerializer(occupancy).data, status=201)
    return Response(MemberSerializer(selectors.members_of(owned), many=True).data)


@extend_schema(request=None, responses={204: None})
@api_view(["DELETE"])
@permission_classes([IsAuthenticated])
def my_house_member(request, house, pk):
    """The member moves out: their occupancy ends today (history kept)."""
    owned = services.owned_house(actor=request.user, house_id=house)
    occupancy = get_object_or_404(Occupancy, pk=pk, house=owned)
    services.end_member(actor=request.user, house=owned, occupancy=occupancy)
    return Response(status=204)


def register(router):
    router.register("house-claims", HouseClaimViewSet, basename="house-claim")


urlpatterns = [
    path("auth/token/", CodeOrPasswordTokenView.as_view(), name="api-token"),
    path("auth/sms-code/", SmsCodeView.as_view(), name="api-sms-code"),
    path("auth/register/", RegisterView.as_view(), name="api-register"),
    path("auth/reset-password/", ResetPasswordView.as_view(), name="api-reset-password"),
    path("me/houses/<int:house>/members/", my_house_members, name="api-my-house-members"),
    path("me/houses/<int:house>/members/<int:pk>/", my_house_member, name="api-my-house-member"),
]
