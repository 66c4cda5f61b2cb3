"""Generic staff-console pages: scoped lists (filters in the URL, Excel export), detail pages
with the audit timeline, and create/edit forms that call services. Domain apps reuse these."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.forms.widgets import NullBooleanSelect
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views import generic

from . import audit, formats, policy
from .errors import DomainError
from .excel import workbook_bytes, xlsx_response


class StaffRequiredMixin(LoginRequiredMixin):
    """Console pages: staff only; residents are sent to their portal."""

    login_url = "/console/login/"
    permission: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.is_staff_member:
            return redirect("/app/")
        if self.permission and not policy.staff_has(request.user, self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def can(self, perm, obj=None):
        community_id = None
        if obj is not None:
            community_id = (
                obj.pk
                if obj._meta.model_name == "community"
                else getattr(obj, "community_id", None)
            )
        return policy.staff_has(self.request.user, perm, community_id)


class Column:
    """A list column: a field path or a callable, with a label and alignment."""

    def __init__(
        self, name, label=None, *, value=None, link=False, align="left", money=False, raw=False
    ):
        """``raw``: the cell is data as typed or recorded (a code, a name, a serial number),
        not interface text: it is marked ``translate="no"``."""
        self.name = name
        self.raw = raw
        self.label = label
        self.value = value
        self.link = link
        self.align = "right" if money else align
        self.money = money

    def display(self, obj):
        """The cell as a page shows it: amounts as ¥1,234.50, other decimals with separators
        (the export keeps numbers numeric: ``render``)."""
        value = self.render(obj)
        if self.money and isinstance(value, Decimal | int) and not isinstance(value, bool):
            return formats.money(value)
        if isinstance(value, Decimal):  # an area, a reading: no trailing zeros, separators
            return formats.number(value)
        return value  # whole numbers stay as they are (a floor, a year)

    def is_data(self, model) -> bool:
        """Whether the cell shows what people typed or recorded rather than interface text:
        ``raw``, or a field path ending in free text (a name, a title, a message, without
        choices) or in a related row (shown by its name). Such cells are marked
        ``translate="no"``: a Chinese name stays as typed on an English page."""
        if self.raw:
            return True
        if self.value is not None or model is None:
            return False
        field = None
        for part in self.name.split("__"):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:  # a property, not a field
                return False
            if field.is_relation and field.related_model is not None:
                model = field.related_model
        if field is None:
            return False
        if field.is_relation:
            return True
        return isinstance(field, models.CharField | models.TextField) and not field.choices

    def render(self, obj):
        if self.value is not None:
            return self.value(obj)
        value = obj
        for part in self.name.split("__"):
            display = getattr(value, f"get_{part}_display", None)
            value = display() if display else getattr(value, part, None)
            if value is None:
                return ""
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, models.Model):
            return str(value)
        if hasattr(value, "strftime"):
            return (
                timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
                if hasattr(value, "hour")
                else value.strftime("%Y-%m-%d")
            )
        return value


def tidy_filter_form(form):
    """Filter forms read like the rest of the console: capitalised labels, "All" instead of
    "---------" and of the yes/no filters' "Unknown"."""
    for field in form.fields.values():
        if field.label:
            field.label = capfirst(field.label)
        widget = field.widget
        if isinstance(widget, NullBooleanSelect):
            widget.choices = [("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]
        elif getattr(field, "empty_label", None) is not None:  # model and django-filter choices
            field.empty_label = _("All")
            if not isinstance(field, forms.ModelChoiceField):  # that one's widget reads it lazily
                field.widget.choices = list(field.choices)
        elif isinstance(field, forms.ChoiceField):
            choices = list(field.choices)
            if choices and choices[0][0] in ("", None):
                field.choices = [("", _("All"))] + choices[1:]


class ScopedListView(StaffRequiredMixin, generic.ListView):
    """A dense table with filters that stay in the URL and an Excel export of the same rows."""

    template_name = "console/list.html"
    paginate_by = 50
    columns: list[Column] = []
    filterset_class = None
    title = ""
    create_url_name = None
    create_permission = None
    detail_url_name = None
    empty_text = _("Nothing here yet.")
    search_fields: list[str] = []

    def base_queryset(self):
        return self.model.objects.all()

    def get_queryset(self):
        queryset = self.base_queryset().visible_to(self.request.user, self.permission)
        community_id = self.request.community_id
        if community_id and self.request.GET.get("all") != "1":
            queryset = queryset.in_community(community_id)
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(
                self.request.GET, queryset=queryset, request=self.request
            )
            tidy_filter_form(self.filterset.form)  # before .qs, which binds the fields
            queryset = self.filterset.qs
        q = self.request.GET.get("q", "").strip()
        if q and self.search_fields:
            from django.db.models import Q

            cond = Q()
            for name in self.search_fields:
                cond |= Q(**{f"{name}__icontains": q})
            queryset = queryset.filter(cond)
        return queryset

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            if not policy.staff_has(request.user, "core.export.run"):
                raise PermissionDenied
            rows = self.get_queryset()[:100000]
            content = workbook_bytes(
                self.title,
                [c.label for c in self.columns],
                ([c.render(o) for c in self.columns] for o in rows),
            )
            return xlsx_response(
                content, f"{self.model._meta.model_name}-{timezone.localdate():%Y%m%d}.xlsx"
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        data = [c.is_data(self.model) for c in self.columns]
        ctx.update(
            title=self.title,
            columns=self.columns,
            rows=[
                (
                    obj,
                    [
                        (c.display(obj), c.align, data[i] or (i == 0 and self.detail_url_name))
                        for i, c in enumerate(self.columns)
                    ],
                )
                for obj in ctx["object_list"]
            ],
            filterset=getattr(self, "filterset", None),
            querystring=query.urlencode(),
            empty_text=self.empty_text,
            detail_url_name=self.detail_url_name,
            search=bool(self.search_fields),
            can_export=policy.staff_has(self.request.user, "core.export.run"),
            create_url=reverse(self.create_url_name)
            if self.create_url_name
            and policy.staff_has(self.request.user, self.create_permission or "")
            else None,
        )
        return ctx


class ScopedDetailView(StaffRequiredMixin, generic.DetailView):
    template_name = "console/detail.html"
    fields: list[Column] = []
    edit_url_name = None
    edit_permission = None
    related: list = []  # (title, callable(obj) -> iterable of (label, url))

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user, self.permission)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        ctx.update(
            title=str(obj),
            facts=[(c.label, c.render(obj)) for c in self.fields],
            history=audit.present(audit.history(obj)[:100])
            if policy.staff_has(self.request.user, "core.audit.view")
            else None,
            edit_url=reverse(self.edit_url_name, args=[obj.pk])
            if self.edit_url_name and self.can(self.edit_permission or "", obj)
            else None,
            related=[(title, fn(obj)) for title, fn in self.related],
        )
        return ctx


def add_domain_errors(form, exc, names=None):
    """A service's refusal on the form: each message on the field it names (``names`` maps the
    service's names to the form's where they differ), the rest on the form itself. Nothing the
    user entered is lost: the form is shown again with their values."""
    names = names or {}
    for field, errors in (exc.fields or {}).items():
        name = names.get(field, field)
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


class ServiceFormView(StaffRequiredMixin, generic.FormView):
    """A form whose valid data is handed to a service; domain errors land on the form."""

    template_name = "console/form.html"
    title = ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        try:
            obj = self.perform(form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(self.success_url_for(obj))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = self.title
        return ctx


class ScopedForm(forms.Form):
    """A form whose choice fields only offer objects the user may see."""

    scoped_fields: dict[str, tuple] = {}  # field -> (model, perm)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, (model, perm) in self.scoped_fields.items():
            if name in self.fields:
                self.fields[name].queryset = model.objects.visible_to(user, perm)


def get_scoped_object(model, user, pk, perm):
    obj = model.objects.visible_to(user, perm).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj
