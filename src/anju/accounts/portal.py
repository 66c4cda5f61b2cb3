"""Resident pages (/app/): register with an SMS code, log in by code, reset a forgotten
password, my homes (claims and household members) and message settings."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.dateparse import parse_date, parse_time
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.http import require_POST

from anju.core import logins
from anju.core.errors import DomainError
from anju.core.models import Building, Community, House, Occupancy
from anju.core.notifications import configured_channels, preference_of, update_preferences

from . import selectors, services
from .choices import ClaimRelation, MemberRelation

BACKEND = "anju.core.auth.UsernameOrPhoneBackend"


def _errors(exc):
    """{field: first message} of a refusal, and the message for the page's top."""
    return {k: v[0] for k, v in (exc.fields or {}).items()}, exc.message


@require_POST
def send_code(request):
    """The 获取验证码 button: JSON {"ok"} (202), or the error with its field (400, 429)."""
    try:
        services.request_code(
            actor=None,
            phone=request.POST.get("phone", ""),
            purpose=request.POST.get("purpose", ""),
            address=logins.client_address(request),
        )
    except DomainError as exc:
        fields, message = _errors(exc)
        return JsonResponse(
            {"error": {"code": exc.code, "message": str(message), "fields": fields}},
            status=exc.status,
        )
    return JsonResponse({"ok": True}, status=202)


class AnonymousPage(generic.TemplateView):
    values = ("phone", "name", "code")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.method == "GET":
            return redirect("/app/")
        return super().dispatch(request, *args, **kwargs)

    def refused(self, exc):
        fields, message = _errors(exc)
        ctx = self.get_context_data(
            errors=fields,
            message=message,
            values={k: self.request.POST.get(k, "") for k in self.values},
        )
        return self.render_to_response(ctx, status=exc.status if exc.status != 429 else 429)


class RegisterView(AnonymousPage):
    template_name = "accounts/register.html"
    extra_context = {"title": _("Register"), "purpose": "register"}

    def post(self, request):
        data = request.POST
        try:
            user = services.register(
                actor=None,
                phone=data.get("phone", ""),
                code=data.get("code", ""),
                name=data.get("name", ""),
                password=data.get("password") or None,
            )
        except DomainError as exc:
            return self.refused(exc)
        logins.start_session(request, user, backend=BACKEND)
        messages.success(request, _("Welcome to Anju. Now bind your home."))
        return redirect("portal:homes")


class CodeLoginView(AnonymousPage):
    template_name = "accounts/code_login.html"
    extra_context = {"title": _("Log in with an SMS code"), "purpose": "login"}

    def post(self, request):
        try:
            user = services.login_with_code(
                actor=None, phone=request.POST.get("phone", ""), code=request.POST.get("code", "")
            )
        except DomainError as exc:
            return self.refused(exc)
        logins.start_session(request, user, backend=BACKEND)
        return redirect("/app/")


code_login = CodeLoginView.as_view()


class ForgotPasswordView(AnonymousPage):
    template_name = "accounts/forgot_password.html"
    extra_context = {"title": _("Forgot password"), "purpose": "reset"}

    def post(self, request):
        try:
            services.reset_password(
                actor=None,
                phone=request.POST.get("phone", ""),
                code=request.POST.get("code", ""),
                new_password=request.POST.get("new_password", ""),
            )
        except DomainError as exc:
            return self.refused(exc)
        messages.success(request, _("Your password is changed. Log in with it."))
        return redirect("/app/login/")


class ResidentPage(LoginRequiredMixin, generic.TemplateView):
    login_url = "/app/login/"


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class HomesView(ResidentPage):
    """我的房屋: my homes, my claims, the claim form (community → building → house, each chosen
    in turn) and, for the houses I own, their members."""

    template_name = "accounts/homes.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, query = self.request.user, self.request.GET
        homes = list(selectors.my_homes(user))
        owned = [o.house for o in homes if selectors.is_owner(o)]
        community = _int(query.get("community"))
        building = _int(query.get("building"))
        ctx.update(
            title=_("My homes"),
            homes=homes,
            claims=list(selectors.my_claims(user)[:50]),
            owned=[(h, list(selectors.members_of(h))) for h in owned],
            communities=Community.objects.order_by("name").only("id", "name")[:500],
            community=community,
            buildings=(
                Building.objects.filter(community_id=community).order_by("name")
                if community
                else []
            ),
            building=building,
            houses=(
                House.objects.filter(building_id=building, community_id=community).order_by(
                    "number"
                )
                if building and community
                else []
            ),
            relations=ClaimRelation.choices,
            member_relations=MemberRelation.choices,
            errors=kwargs.get("errors", {}),
        )
        return ctx

    def post(self, request):
        data, user = request.POST, request.user
        what = data.get("action")
        try:
            if what == "claim":
                house = House.objects.filter(pk=_int(data.get("house")) or 0).first()
                if house is None:
                    raise DomainError(
                        _("Choose your house."), fields={"house": [_("Choose your house.")]}
                    )
                claim = services.claim_house(
                    actor=user,
                    house=house,
                    relation=data.get("relation", ""),
                    evidence=request.FILES.getlist("evidence") or None,
                )
                messages.success(
                    request,
                    _("Your home is bound.")
                    if claim.status == "approved"
                    else _("Your claim is sent. The property office will review it."),
                )
            elif what == "add_member":
                services.add_member(
                    actor=user,
                    house=services.owned_house(actor=user, house_id=_int(data.get("house"))),
                    phone=data.get("phone", ""),
                    name=data.get("name", ""),
                    relation=data.get("relation", ""),
                    since=parse_date(data.get("since") or "") or None,
                    until=parse_date(data.get("until") or "") or None,
                )
                messages.success(request, _("Member added; they are invited by SMS."))
            elif what == "end_member":
                house = services.owned_house(actor=user, house_id=_int(data.get("house")))
                occupancy = Occupancy.objects.filter(
                    pk=_int(data.get("occupancy")) or 0, house=house
                ).first()
                if occupancy is None:
                    raise services.NotYours(_("Not found."))
                services.end_member(actor=user, house=house, occupancy=occupancy)
                messages.success(request, _("The member has moved out."))
        except (DomainError, ValueError) as exc:
            message = getattr(exc, "message", str(exc))
            messages.error(request, message)
        return redirect("portal:homes")


class NotificationSettingsView(ResidentPage):
    """消息设置: which channels besides the inbox, and quiet hours (notifications.update_preferences)."""

    template_name = "accounts/notification_settings.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("Message settings"),
            pref=preference_of(self.request.user),
            channels=[
                (name, label)
                for name, label in (
                    ("wechat", _("WeChat")),
                    ("sms", _("SMS")),
                    ("email", _("email")),
                )
                if name in configured_channels()
            ],
        )
        return ctx

    def post(self, request):
        data = request.POST
        changes = {
            name: data.get(name) == "on" for name in configured_channels() if name != "inbox"
        }
        changes = {k: v for k, v in changes.items() if k in ("sms", "wechat", "email")}
        try:
            changes["quiet_start"] = parse_time(data.get("quiet_start") or "00:00:00x") or None
            changes["quiet_end"] = parse_time(data.get("quiet_end") or "00:00:00x") or None
            update_preferences(actor=request.user, **changes)
        except ValueError:
            messages.error(request, _("Enter the time as hours and minutes, e.g. 22:00."))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Message settings saved."))
        return redirect("portal:notification-settings")
