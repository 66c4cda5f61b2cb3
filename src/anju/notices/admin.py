"""The national holiday calendar is master data of the platform: the superuser keeps it here
when the State Council publishes a year's arrangement (or runs scripts/holidays.py and a data
migration). Companies add their own days in the console."""

from django.contrib import admin

from . import services
from .models import Holiday, MakeupWorkday, SolarTerm


class MakeupWorkdayInline(admin.TabularInline):
    model = MakeupWorkday
    extra = 1


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["year", "name", "date", "off_from", "off_until", "provisional", "organization"]
    list_filter = ["year", "provisional", ("organization", admin.EmptyFieldListFilter)]
    search_fields = ["name", "key"]
    inlines = [MakeupWorkdayInline]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.HOLIDAY_FIELDS}
        services.save_holiday(actor=request.user, holiday=obj, **fields)

    def delete_model(self, request, obj):
        services.delete_holiday(actor=request.user, holiday=obj)


@admin.register(SolarTerm)
class SolarTermAdmin(admin.ModelAdmin):
    """Shipped data from scripts/solar_terms.py: read-only here."""

    list_display = ["year", "order", "name", "date", "moment"]
    list_filter = ["year"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
