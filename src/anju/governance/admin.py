from django.contrib import admin

from .models import RuleSet


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    """Local variants are data: add a row per jurisdiction and effective date."""

    list_display = ["name", "jurisdiction", "effective_from", "citation", "count_parking_area"]
    list_filter = ["jurisdiction"]
