"""The handover console page (``/console/handover/``, company admins): export a community's
package, import one, download the packages made; each export and import runs as a job."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core import policy, progress
from anju.core.console import StaffRequiredMixin
from anju.core.errors import DomainError
from anju.core.models import Job

from . import selectors, services, tasks
from .forms import ExportForm, ImportForm


def _may_hand_over(user):
    return policy.staff_has(user, selectors.EXPORT) or policy.staff_has(user, selectors.IMPORT)


def _after_job(request, job, done_message):
    job.refresh_from_db()
    if job.status == Job.Status.DONE:
        messages.success(request, done_message)
        return redirect("console:handover")
    if job.status == Job.Status.FAILED:
        messages.error(request, job.message)
        return redirect("console:handover")
    return redirect(reverse("console:job-page", args=[job.pk]))


class HandoverPage(StaffRequiredMixin, generic.TemplateView):
    template_name = "handover/page.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not _may_hand_over(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["title"] = _("Handover package")
        ctx["communities"] = list(selectors.communities_to_export(user))
        ctx["export_form"] = ExportForm()
        ctx["can_import"] = policy.staff_has(user, selectors.IMPORT)
        ctx["import_form"] = kwargs.get("import_form") or ImportForm(user=user)
        ctx["packages"] = list(selectors.packages(user)[:50])
        return ctx


class StartExport(StaffRequiredMixin, generic.View):
    def post(self, request, community):
        target = selectors.community_to_export(request.user, community)
        if target is None:
            raise Http404
        form = ExportForm(request.POST)
        form.is_valid()
        job = progress.launch(
            "handover.export",
            tasks.export_community,
            actor=request.user,
            community=target,
            community_id=target.pk,
            actor_id=request.user.pk,
            id_numbers=bool(form.cleaned_data.get("id_numbers")),
        )
        return _after_job(request, job, _("The package is ready to download."))


class StartImport(StaffRequiredMixin, generic.View):
    permission = selectors.IMPORT

    def post(self, request):
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            page = HandoverPage()
            page.setup(request)
            return page.render_to_response(page.get_context_data(import_form=form), status=400)
        organization = form.cleaned_data["organization"]
        try:
            received = services.receive_package(
                actor=request.user, organization=organization, upload=form.cleaned_data["file"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("console:handover")
        job = progress.launch(
            "handover.import",
            tasks.import_package,
            actor=request.user,
            organization=organization,
            package_id=received.pk,
            actor_id=request.user.pk,
        )
        return _after_job(request, job, _("The community was imported."))


def download(request, pk):
    """A package, to a user who may see it (404 otherwise, as if it did not exist)."""
    if not request.user.is_authenticated:
        return redirect(f"/console/login/?next={request.path}")
    pkg = selectors.package_for(request.user, pk)
    if pkg is None or not pkg.file:
        raise Http404
    return FileResponse(pkg.file.open("rb"), as_attachment=True, filename=pkg.name)
