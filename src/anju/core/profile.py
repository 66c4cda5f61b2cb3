"""Signing in and one's own account, on the console (/console/login/, /console/me/) and the
resident portal (/app/login/, /app/me/): login forms throttled through core.signin, the
password change, and the list of one's logins with a revoke button each."""

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import generic
from django.views.decorators.http import require_POST

from . import accounts, logins, signin, wechat, wechat_login
from .console import StaffRequiredMixin
from .errors import DomainError


class LoginForm(AuthenticationForm):
    """Django's login form, authenticating through core.signin (throttled and audited)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or phone number and password do not match."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = signin.authenticate(
                    self.request, username=username, password=password
                )
            except signin.LoginThrottled as throttled:
                self.throttled = throttled
                raise forms.ValidationError(throttled.message, code="throttled") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ThrottledLoginMixin:
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        signin.login(self.request, form.get_user())
        return redirect(self.get_success_url())

    def form_invalid(self, form):
        response = super().form_invalid(form)
        throttled = getattr(form, "throttled", None)
        if throttled is not None:
            response.status_code = 429
            response["Retry-After"] = str(throttled.wait)
        return response


class ConsoleLoginView(ThrottledLoginMixin, auth_views.LoginView):
    template_name = "console/login.html"

    def get_success_url(self):
        url = self.get_redirect_url()
        if url:
            return url
        return "/console/" if self.request.user.is_staff_member else "/app/"


class PortalLoginView(ThrottledLoginMixin, auth_views.LoginView):
    template_name = "portal/login.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated and wechat_login.starts_by_itself(request):
            return redirect(wechat_login.start_url(self.get_redirect_url() or "/app/"))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if wechat_login.offered(self.request) and not wechat.has_pending(self.request):
            ctx["wechat_login_url"] = wechat_login.start_url(self.get_redirect_url() or "/app/")
        ctx["wechat_pending"] = wechat.has_pending(self.request)
        return ctx

    def get_success_url(self):
        return self.get_redirect_url() or "/app/"


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not a common password, not like your username."),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password2") != data["new_password"]:
            self.add_error("new_password2", _("The two new passwords do not match."))
        return data


def change_password(request, form):
    """Apply a bound PasswordChangeForm: True when the password was changed (the current
    session stays, every other login ends); False with the errors on the form."""
    if not form.is_valid():
        return False
    user = request.user
    try:
        accounts.change_own_password(
            user,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password"],
            keep_login_id=logins.current_login_id(request),
        )
    except DomainError as exc:
        for field, errors in exc.fields.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        if not exc.fields:
            form.add_error(None, exc.message)
        return False
    old_key = request.session.session_key
    update_session_auth_hash(request, user)
    logins.session_key_changed(old_key, request.session.session_key)
    return True


class ProfileMixin(LoginRequiredMixin):
    """One's own account page: name, password change, logins."""

    template_name = ""
    profile_url = ""
    password_form = None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("My account"),
            password_form=self.password_form or PasswordChangeForm(),
            logins=logins.as_rows(self.request, logins.active_logins(self.request.user)[:50]),
            profile_url=self.profile_url,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        """The password form posts to ``<profile>/password/``; errors re-render the page."""
        form = PasswordChangeForm(request.POST)
        if change_password(request, form):
            messages.success(request, _("Your password was changed. Your other logins were ended."))
            return redirect(self.profile_url)
        self.password_form = form
        return self.render_to_response(self.get_context_data())


def revoke_login_page(request, pk, profile_url):
    if not request.user.is_authenticated:
        raise Http404
    login = request.user.logins.filter(pk=pk).first()
    if login is None:
        raise Http404
    ending_this_session = login.session_key and login.session_key == request.session.session_key
    accounts.revoke_login(login, actor=request.user)
    if ending_this_session:
        return redirect(profile_url)  # the session is gone: the login page follows
    messages.success(request, _("The login was ended."))
    return redirect(profile_url)


def revoke_other_logins_page(request, profile_url):
    if not request.user.is_authenticated:
        raise Http404
    ended = accounts.revoke_other_logins(keep=logins.current_login_id(request), actor=request.user)
    messages.success(
        request,
        ngettext("%(count)d other login was ended.", "%(count)d other logins were ended.", ended)
        % {"count": ended},
    )
    return redirect(profile_url)


class LogoutView(auth_views.LogoutView):
    """Django's logout; the session leaves the login list with it."""

    def post(self, request, *args, **kwargs):
        logins.forget_session(request.session.session_key)
        return super().post(request, *args, **kwargs)


# Console ---------------------------------------------------------------------------------


class ConsoleProfileView(StaffRequiredMixin, ProfileMixin, generic.TemplateView):
    template_name = "console/profile.html"
    profile_url = "/console/me/"


@require_POST
def console_revoke_login(request, pk):
    return revoke_login_page(request, pk, ConsoleProfileView.profile_url)


@require_POST
def console_revoke_other_logins(request):
    return revoke_other_logins_page(request, ConsoleProfileView.profile_url)


# Portal ----------------------------------------------------------------------------------


class PortalProfileView(ProfileMixin, generic.TemplateView):
    login_url = "/app/login/"
    template_name = "portal/profile.html"
    profile_url = "/app/me/"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Me")
        ctx["wechat_identities"] = list(self.request.user.wechat_identities.all())
        if wechat_login.offered(self.request) and not any(
            i.kind == "mp" for i in ctx["wechat_identities"]
        ):
            ctx["wechat_link_url"] = wechat_login.start_url(self.profile_url)
        return ctx


@require_POST
def portal_revoke_login(request, pk):
    return revoke_login_page(request, pk, PortalProfileView.profile_url)


@require_POST
def portal_revoke_other_logins(request):
    return revoke_other_logins_page(request, PortalProfileView.profile_url)
