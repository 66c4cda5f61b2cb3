"""Account endpoints: logins (users) and memberships within the actor's authority
(core.accounts), the API token login, and the caller's own password and logins (``/me/``)."""

from django.contrib.auth import update_session_auth_hash
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import accounts, logins, policy, signin, wechat
from ..models import Membership, User
from ..selectors import users_visible_to
from . import serializers as s
from .viewsets import ScopedModelViewSet


class UserViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Logins. A login outside the caller's view is 404; one they see but whose memberships
    go beyond their authority is 403 (core.accounts)."""

    serializer_class = s.UserSerializer
    search_fields = ["username", "phone", "first_name"]
    filterset_fields = ["person", "is_active"]
    queryset = User.objects.none()

    def required_permission(self):
        return (
            "core.user.view"
            if self.request.method in ("GET", "HEAD", "OPTIONS")
            else "core.user.change"
        )

    def get_queryset(self):
        return users_visible_to(self.request.user).order_by("id")

    def perform_create(self, serializer):
        user = self.request.user
        data = dict(serializer.validated_data)
        person = data.get("person")
        org = (
            person.organization
            if person
            else next(
                (
                    m.organization
                    for m in user.active_memberships()
                    if policy.role_has(m.role, "core.user.change")
                ),
                None,
            )
        )
        serializer.instance = accounts.create_user(
            organization=org,
            home_organization=org,
            **data,
            actor=user,
        )

    def perform_update(self, serializer):
        serializer.instance = accounts.update_user(
            serializer.instance,
            dict(serializer.validated_data),
            actor=self.request.user,
        )


class MembershipViewSet(ScopedModelViewSet):
    queryset = Membership.objects.select_related("user", "organization").prefetch_related(
        "communities"
    )
    serializer_class = s.MembershipSerializer
    permission_prefix = "core.membership"
    filterset_fields = ["organization", "role", "user", "active"]

    def create_object(self, data):
        return accounts.grant_membership(**data, actor=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = accounts.update_membership(
            serializer.instance,
            dict(serializer.validated_data),
            actor=self.request.user,
        )

    def perform_destroy(self, instance):
        accounts.delete_membership(instance, actor=self.request.user)


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("Username or phone"), max_length=150)
    password = serializers.CharField(
        label=_("Password"), max_length=4096, trim_whitespace=False, write_only=True
    )
    wechat_bind_ticket = serializers.CharField(
        max_length=1000, required=False, help_text="bind_ticket of a wechat_not_bound answer"
    )


class LoginThrottledError(Throttled):
    """429 with ``Retry-After``, and our message (DRF's would append its own sentence)."""

    def __init__(self, throttled):
        super().__init__(detail=throttled.message)
        self.wait = throttled.wait


class TokenView(APIView):
    """POST {"username", "password"} (username may be a phone number) -> a new token for this
    device, valid ``ANJU_TOKEN_TTL_HOURS``; logins are throttled per account and address."""

    permission_classes = [AllowAny]
    authentication_classes = []  # a stale token header must not stop a new login
    serializer_class = TokenLoginSerializer

    @extend_schema(
        request=TokenLoginSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {"token": serializers.CharField(), "expires": serializers.DateTimeField()},
            )
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenLoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = signin.authenticate(
                request,
                username=serializer.validated_data["username"],
                password=serializer.validated_data["password"],
            )
        except signin.LoginThrottled as throttled:
            raise LoginThrottledError(throttled) from None
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with provided credentials.")]}
            )
        key, login = logins.issue_token(user, request)
        answer = {"token": key, "expires": login.expires_at}
        ticket = serializer.validated_data.get("wechat_bind_ticket")
        if ticket:  # the mini program's WeChat had no login: bind it to this one
            answer["wechat_bound"] = wechat.bind_from_ticket(user, ticket, actor=user) is not None
        return Response(answer)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(
        label=_("Current password"), max_length=4096, trim_whitespace=False
    )
    new_password = serializers.CharField(
        label=_("New password"), max_length=4096, trim_whitespace=False
    )


@extend_schema(request=PasswordChangeSerializer, responses={204: None})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def me_password(request):
    """Change the caller's password; every other token and session of theirs ends."""
    serializer = PasswordChangeSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    user = request.user
    accounts.change_own_password(
        user,
        old_password=serializer.validated_data["old_password"],
        new_password=serializer.validated_data["new_password"],
        keep_login_id=logins.current_login_id(request),
    )
    if request.auth is None and hasattr(request, "session"):  # a browser session
        old_key = request.session.session_key
        update_session_auth_hash(request._request, user)
        logins.session_key_changed(old_key, request.session.session_key)
    return Response(status=204)


class LoginSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["token", "session"])
    created = serializers.DateTimeField()
    last_used = serializers.DateTimeField()
    expires = serializers.DateTimeField()
    user_agent = serializers.CharField()
    address = serializers.CharField(help_text="Masked: 203.0.113.*")
    current = serializers.BooleanField()


@extend_schema(responses={200: LoginSerializer(many=True)})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me_logins(request):
    """The caller's logins (API tokens and console/portal sessions), the current one marked."""
    rows = logins.as_rows(request, logins.active_logins(request.user)[:200])
    return Response(LoginSerializer(rows, many=True).data)


@extend_schema(request=None, responses={204: None})
@api_view(["DELETE"])
@permission_classes([IsAuthenticated])
def me_login(request, pk):
    """Revoke one of the caller's logins (another user's id is 404)."""
    login = request.user.logins.filter(pk=pk).first()
    if login is None:
        raise NotFound()
    accounts.revoke_login(login, actor=request.user)
    return Response(status=204)


urlpatterns = [
    path("me/password/", me_password, name="api-me-password"),
    path("me/logins/", me_logins, name="api-me-logins"),
    path("me/logins/<int:pk>/", me_login, name="api-me-login"),
]
