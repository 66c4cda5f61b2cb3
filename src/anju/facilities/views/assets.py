"""Console pages of the asset ledger: assets, their certificates, QR labels, fire equipment
expiring."""

import django_filters
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core import policy
from anju.core.console import Column, ScopedDetailView, ScopedListView, ServiceFormView
from anju.core.errors import DomainError

from .. import labels, selectors, services
from ..choices import AssetCategory, AssetStatus
from ..forms import AssetForm, CertificateForm
from ..models import Asset
from .common import form_errors, post_only, scoped_or_404


class AssetFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=AssetCategory.choices, label=_("category"))
    status = django_filters.ChoiceFilter(choices=AssetStatus.choices, label=_("status"))

    class Meta:
        model = Asset
        fields = ["category", "status"]


class AssetList(ScopedListView):
    model = Asset
    permission = "facilities.asset.view"
    title = _("Asset ledger")
    filterset_class = AssetFilter
    detail_url_name = "console:facilities-asset-detail"
    create_url_name = "console:facilities-asset-create"
    create_permission = "facilities.asset.manage"
    search_fields = ["code", "name", "place", "maker"]
    template_name = "facilities/asset_list.html"
    columns = [
        Column("code", _("asset code")),
        Column("name", _("name")),
        Column("category", _("category")),
        Column("location", _("place")),
        Column("maker", _("maker")),
        Column("installed_on", _("installed on")),
        Column("status", _("status")),
        Column("replacement_due", _("replacement due")),
    ]

    def base_queryset(self):
        return Asset.objects.select_related("building")


class AssetDetail(ScopedDetailView):
    model = Asset
    permission = "facilities.asset.view"
    template_name = "facilities/asset_detail.html"
    fields = [
        Column("category", _("category")),
        Column("location", _("place")),
        Column("maker", _("maker")),
        Column("model_number", _("model")),
        Column("serial_number", _("serial number")),
        Column("installed_on", _("installed on")),
        Column("warranty_until", _("warranty until")),
        Column("contractor", _("maintenance contractor")),
        Column("status", _("status")),
        Column("expected_life_years", _("expected life (years)")),
        Column("replacement_due", _("replacement due")),
        Column("expires_on", _("expires on")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        asset = self.object
        from anju.servicedesk import selectors as ticket_selectors

        ctx.update(
            certificates=[(c, c.days_left()) for c in asset.certificates.all()],
            tasks=asset.maintenance_tasks.select_related("plan").order_by("-due_on")[:20],
            tickets=ticket_selectors.tickets_for_source(self.request.user, asset),
            qr=labels.qr_svg(self.request.build_absolute_uri(labels.asset_url(asset)), scale=3),
            scan_url=labels.asset_url(asset),
            can_manage=self.can("facilities.asset.manage", asset),
            certificate_form=CertificateForm(),
        )
        return ctx


class AssetCreate(ServiceFormView):
    form_class = AssetForm
    permission = "facilities.asset.manage"
    title = _("New asset")

    def perform(self, data):
        if not policy.staff_has(self.request.user, self.permission, data["community"].pk):
            raise DomainError(_("You may not add assets to this community."))
        data = {k: v for k, v in data.items() if v not in (None, "")}
        return services.create_asset(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:facilities-asset-detail", args=[obj.pk])


@post_only
def certificate_add(request, pk):
    asset = scoped_or_404(request, Asset, pk, "facilities.asset.view")
    if not policy.staff_has(request.user, "facilities.asset.manage", asset.community_id):
        raise Http404
    form = CertificateForm(request.POST)
    if form.is_valid():
        try:
            services.add_certificate(
                actor=request.user,
                asset=asset,
                **{
                    k: v for k, v in form.cleaned_data.items() if v not in (None, "") or k == "kind"
                },
            )
            messages.success(request, _("Saved."))
        except DomainError as exc:
            form_errors(request, exc)
    else:
        messages.error(request, _("Check the certificate fields."))
    return redirect("console:facilities-asset-detail", pk=asset.pk)


def asset_label(request, pk):
    if not request.user.is_authenticated:
        return redirect(f"/console/login/?next={request.path}")
    asset = scoped_or_404(request, Asset, pk, "facilities.asset.view")
    return HttpResponse(
        labels.qr_svg(request.build_absolute_uri(labels.asset_url(asset))),
        content_type="image/svg+xml",
    )


def asset_labels_pdf(request):
    """A sheet of labels for the assets in the list's current filter (or ?ids=1,2,3)."""
    if not request.user.is_authenticated:
        return redirect(f"/console/login/?next={request.path}")
    view = AssetList()
    view.request = request
    view.kwargs = {}
    queryset = view.get_queryset()
    ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.isdigit()]
    if ids:
        queryset = queryset.filter(pk__in=ids)
    pdf = labels.label_sheet(
        queryset.select_related("building", "community")[:500],
        base_url=request.build_absolute_uri("/").rstrip("/"),
        heading=str(_("Asset labels")),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="asset-labels.pdf"'
    return response


class ExpiringEquipmentList(ScopedListView):
    model = Asset
    permission = "facilities.asset.view"
    title = _("Fire equipment expiring")
    detail_url_name = "console:facilities-asset-detail"
    empty_text = _("No fire equipment expires in the coming weeks.")
    columns = [
        Column("code", _("asset code")),
        Column("name", _("name")),
        Column("category", _("category")),
        Column("location", _("place")),
        Column("expires_on", _("expires on")),
        Column(
            "days",
            _("days left"),
            value=lambda o: (o.expires_on - timezone.localdate()).days,
            align="right",
        ),
    ]

    def base_queryset(self):
        return selectors.expiring_equipment(Asset.objects.select_related("building"))
