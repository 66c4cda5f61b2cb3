from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import (
    AuditEntry,
    Building,
    Community,
    Entrance,
    House,
    Membership,
    Occupancy,
    Organization,
    Person,
    User,
)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "jurisdiction", "service_level"]
    list_filter = ["organization", "service_level"]
    search_fields = ["name"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "community"]
    list_filter = ["community"]


@admin.register(Entrance)
class EntranceAdmin(admin.ModelAdmin):
    list_display = ["name", "building"]


@admin.register(House)
class HouseAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "building",
        "community",
        "usage",
        "area",
        "area_source",
        "sold",
        "delivered",
    ]
    list_filter = ["community", "usage", "sold", "delivered"]
    search_fields = ["number"]
    list_select_related = ["building", "community"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "organization"]
    search_fields = ["name"]
    exclude = ["id_number_index"]


@admin.register(Occupancy)
class OccupancyAdmin(admin.ModelAdmin):
    list_display = [
        "person",
        "house",
        "relation",
        "is_payer",
        "is_representative",
        "since",
        "until",
    ]
    list_filter = ["relation"]
    raw_id_fields = ["house", "person"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Anju", {"fields": ("phone", "person", "home_organization", "large_text")}),
    )
    raw_id_fields = ["person"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "active"]
    list_filter = ["role", "organization"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["created_at", "actor_label", "action", "object_repr"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
