"""Console pages of IoT: devices (online or not, last values), a device's readings and daily use,
alarms with their tickets, alarm rules, and gateways (whose key is shown once)."""

import json
from datetime import timedelta

import django_filters
from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import generic

from anju.core.console import (
    Column,
    ScopedDetailView,
    ScopedForm,
    ScopedListView,
    ServiceFormView,
    StaffRequiredMixin,
    add_domain_errors,
)
from anju.core.errors import DomainError
from anju.core.models import Building, Community
from anju.servicedesk.choices import Category, Priority

from . import selectors, services
from .choices import (
    METERS,
    METRICS,
    AlarmStatus,
    DeviceKind,
    Operator,
    describe,
    metric_label,
    metric_unit,
    metric_value,
)
from .models import Alarm, AlarmRule, Device, Gateway


def _online(device):
    if selectors.is_online(device):
        return format_html('<span class="tag ok">{}</span>', pgettext_lazy("device", "online"))
    return format_html('<span class="tag bad">{}</span>', pgettext_lazy("device", "offline"))


def _values(device):
    """The last reading of each metric with its name and unit: ``温度 26 °C · 烟雾 正常``."""
    return " · ".join(
        describe(k, (v or {}).get("value"), device.kind)
        for k, v in sorted(device.last_values.items())
    )


def _alarm_value(alarm):
    if alarm.value is None:
        return ""
    return describe(alarm.metric, alarm.value, alarm.device.kind)


class DeviceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=DeviceKind.choices, label=_("kind"))

    class Meta:
        model = Device
        fields = ["kind"]


class DeviceList(ScopedListView):
    model = Device
    permission = "iot.device.view"
    title = _("Devices")
    filterset_class = DeviceFilter
    create_url_name = "console:iot-device-create"
    create_permission = "iot.device.manage"
    detail_url_name = "console:iot-device-detail"
    search_fields = ["code", "name", "place"]
    columns = [
        Column("code", _("device code"), link=True),
        Column("name", _("name")),
        Column("community", _("community")),
        Column("kind", _("kind")),
        Column("place", _("place")),
        Column("online", _("status"), value=_online),
        Column("last_seen_at", _("last seen")),
        Column("last_values", _("last values"), value=_values),
    ]

    def base_queryset(self):
        return Device.objects.select_related("community")


class DeviceForm(ScopedForm):
    scoped_fields = {
        "community": (Community, "iot.device.manage"),
        "building": (Building, "core.building.view"),
    }
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    code = forms.CharField(label=_("device code"), max_length=64)
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=DeviceKind.choices)
    building = forms.ModelChoiceField(Building.objects.none(), label=_("building"), required=False)
    place = forms.CharField(label=_("place"), max_length=200, required=False)


class DeviceCreate(ServiceFormView):
    form_class = DeviceForm
    permission = "iot.device.manage"
    title = _("Register a device")

    def perform(self, data):
        return services.register_device(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:iot-device-detail", args=[obj.pk])


class DeviceDetail(ScopedDetailView):
    model = Device
    permission = "iot.device.view"
    template_name = "iot/device_detail.html"
    fields = [
        Column("community", _("community")),
        Column("kind", _("kind")),
        Column("building", _("building")),
        Column("place", _("place")),
        Column("online", _("status"), value=_online),
        Column("last_seen_at", _("last seen")),
        Column("last_values", _("last values"), value=_values),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        device = self.object
        since = timezone.now() - timedelta(days=7)
        series = {}
        newest = selectors.readings_of(device, since)
        for metric, value, at in reversed(list(newest.values_list("metric", "value", "at")[:5000])):
            series.setdefault(metric, []).append([timezone.localtime(at).isoformat(), float(value)])
        usage = selectors.daily_usage(device) if device.kind in METERS else []
        alarms = list(device.alarms.select_related("ticket", "device")[:20])
        for alarm in alarms:
            alarm.reading = _alarm_value(alarm)
        ctx.update(
            title=f"{device.name} · {device.code}",
            alarms=alarms,
            usage_rows=[
                {"day": u["day"], "usage": metric_value("total", u["usage"], device.kind)}
                for u in reversed(usage)
            ],
            chart_json=json.dumps(
                {
                    # series named as people call them, with the unit: "温度 (°C)"
                    "series": {
                        _series_name(m, device.kind): points for m, points in series.items()
                    },
                    "usage": [[u["day"].isoformat(), float(u["usage"])] for u in usage],
                    "usage_name": str(_series_name("usage", device.kind)),
                },
                cls=DjangoJSONEncoder,
            ),
            is_meter=device.kind in METERS,
        )
        return ctx


def _series_name(metric, kind):
    from anju.core import formats

    if metric == "usage":
        label, unit = pgettext_lazy("meter", "usage"), metric_unit("total", kind)
    else:
        label, unit = metric_label(metric), metric_unit(metric, kind)
    return f"{label} ({formats.unit_label(unit)})" if unit else str(label)


def _kind_name(label, kind):
    from anju.core import formats

    unit = metric_unit("total", kind)
    return f"{label} ({formats.unit_label(unit)})" if unit else str(label)


class AlarmFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AlarmStatus.choices, label=_("status"))

    class Meta:
        model = Alarm
        fields = ["status"]


def _ticket(alarm):
    if not alarm.ticket_id:
        return ""
    return format_html(
        '<a href="{}">{}</a>',
        reverse("console:ticket-detail", args=[alarm.ticket_id]),
        alarm.ticket.number,
    )


class AlarmList(ScopedListView):
    model = Alarm
    permission = "iot.alarm.view"
    title = _("Device alarms")
    filterset_class = AlarmFilter
    columns = [
        Column("raised_at", _("raised at")),
        Column("device", _("device")),
        Column("message", _("alarm message")),
        Column("value", _("reading value"), value=_alarm_value, align="right"),
        Column("status", _("status")),
        Column("cleared_at", _("cleared at")),
        Column("ticket", _("ticket"), value=_ticket),
    ]

    def base_queryset(self):
        return Alarm.objects.select_related("device", "ticket")


class RuleForm(ScopedForm):
    scoped_fields = {"community": (Community, "iot.device.manage")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    device_kind = forms.ChoiceField(label=_("device kind"), choices=DeviceKind.choices)
    metric = forms.ChoiceField(
        label=_("metric"), choices=[(key, label) for key, (label, _unit) in METRICS.items()]
    )
    operator = forms.ChoiceField(label=_("condition"), choices=Operator.choices)
    threshold = forms.DecimalField(label=_("threshold"), max_digits=14, decimal_places=4)
    category = forms.ChoiceField(label=_("ticket category"), choices=Category.choices)
    priority = forms.ChoiceField(label=_("ticket priority"), choices=Priority.choices)
    message = forms.CharField(label=_("alarm message"), max_length=200)


class RuleList(ScopedListView):
    model = AlarmRule
    permission = "iot.device.view"
    title = _("Alarm rules")
    create_url_name = "console:iot-rule-create"
    create_permission = "iot.device.manage"
    columns = [
        Column("community", _("community")),
        Column("device_kind", _("device kind")),
        Column(
            "condition",
            _("condition"),
            value=lambda r: r.shown_condition,
        ),
        Column(
            "category",
            _("ticket category"),
            value=lambda r: (
                Category(r.category).label if r.category in Category.values else r.category
            ),
        ),
        Column("priority", _("ticket priority")),
        Column("message", _("alarm message")),
        Column("active", _("active")),
    ]

    def base_queryset(self):
        return AlarmRule.objects.select_related("community")


class RuleCreate(ServiceFormView):
    form_class = RuleForm
    permission = "iot.device.manage"
    title = _("New alarm rule")

    def perform(self, data):
        return services.save_rule(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:iot-rule-list")


class GatewayForm(ScopedForm):
    scoped_fields = {"community": (Community, "iot.device.manage")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    name = forms.CharField(label=_("name"), max_length=100)


class GatewayView(StaffRequiredMixin, generic.FormView):
    """The community's gateways, and a new one whose key is shown on this page once."""

    permission = "iot.device.manage"
    form_class = GatewayForm
    template_name = "iot/gateways.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        gateways = Gateway.objects.visible_to(self.request.user, "iot.device.manage")
        if self.request.community_id:
            gateways = gateways.in_community(self.request.community_id)
        ctx.update(title=_("Gateways"), gateways=gateways.select_related("community"))
        return ctx

    def form_valid(self, form):
        try:
            gateway, key = services.create_gateway(actor=self.request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
            return self.form_invalid(form)
        return self.render_to_response(
            self.get_context_data(form=GatewayForm(user=self.request.user), new=gateway, key=key)
        )


class EnergyView(StaffRequiredMixin, generic.TemplateView):
    """能耗: each meter's use over the period against the period before, unusual days flagged,
    and the community's use per day by kind."""

    template_name = "iot/energy.html"
    permission = "iot.device.view"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        days = self.request.GET.get("days", "30")
        days = int(days) if days in ("7", "30", "90") else 30
        rows, by_kind = selectors.energy(self.request.user, self.request.community_id, days)
        for row in rows:
            kind = row["meter"].kind
            row["total_text"] = metric_value("total", row["total"], kind)
            row["previous_text"] = metric_value("total", row["previous"], kind)
        labels = dict(DeviceKind.choices)
        ctx.update(
            title=_("Energy and water"),
            days=days,
            rows=rows,
            chart_json=json.dumps(
                {
                    _kind_name(labels[kind], kind): [
                        [d.isoformat(), float(v)] for d, v in sorted(series.items())
                    ]
                    for kind, series in by_kind.items()
                }
            ),
        )
        return ctx
