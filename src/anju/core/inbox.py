"""The notification inbox pages (消息): console /console/notifications/ and portal
/app/notifications/, each opening a message by a POST that marks it read and then goes to its
link (a path on this site only), and the language switch that messages then follow."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from . import notifications
from .console import StaffRequiredMixin
from .models import Notification


class InboxMixin:
    template_name = ""
    paginate_by = 20
    base_url = ""

    def get_queryset(self):
        unread = self.request.GET.get("unread") == "1"
        return notifications.inbox_of(self.request.user, unread=unread).only(
            "pk", "title", "body", "link", "created_at", "read_at", "urgent"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("Messages"),
            unread_only=self.request.GET.get("unread") == "1",
            base_url=self.base_url,
            querystring="unread=1" if self.request.GET.get("unread") == "1" else "",
        )
        return ctx


class ConsoleInbox(StaffRequiredMixin, InboxMixin, generic.ListView):
    template_name = "console/notifications.html"
    base_url = "/console/notifications/"


class PortalInbox(LoginRequiredMixin, InboxMixin, generic.ListView):
    login_url = "/app/login/"
    template_name = "portal/notifications.html"
    base_url = "/app/notifications/"


def _open(request, pk, base_url):
    if not request.user.is_authenticated:
        raise Http404
    note = Notification.objects.filter(pk=pk, user=request.user).first()
    if note is None:
        raise Http404
    notifications.mark_read(actor=request.user, notification=note)
    return redirect(notifications.safe_link(note.link) or base_url)


def _read_all(request, base_url):
    if request.user.is_authenticated:
        notifications.mark_all_read(actor=request.user)
    return redirect(base_url)


@require_POST
def console_open(request, pk):
    return _open(request, pk, ConsoleInbox.base_url)


@require_POST
def portal_open(request, pk):
    return _open(request, pk, PortalInbox.base_url)


@require_POST
def console_read_all(request):
    return _read_all(request, ConsoleInbox.base_url)


@require_POST
def portal_read_all(request):
    return _read_all(request, PortalInbox.base_url)


def set_language(request):
    """Django's language switch; a logged-in person's choice is kept on their login too, so
    the messages written to them later are in it."""
    response = django_set_language(request)
    if request.method == "POST":
        notifications.remember_language(request.user, request.POST.get("language"))
    return response
