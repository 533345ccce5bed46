"""Django admin for operators: organisations, officials, users (read mostly; changes go through services)."""

from __future__ import annotations

from django.contrib import admin

from egov.accounts.models import (
    AdminDong,
    AgencySystem,
    LegalDong,
    Official,
    Organisation,
    RoleAssignment,
    User,
)


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ("username", "display_name", "kind", "is_active", "date_joined")
    list_filter = ("kind", "is_active")
    search_fields = ("username", "display_name", "email")
    exclude = ("password",)
    readonly_fields = ("last_login", "date_joined", "resident_id", "business_id")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "code", "kind", "tree", "population", "valid_to")
    list_filter = ("tree", "kind")
    search_fields = ("name", "name_en", "code", "region_code")
    raw_id_fields = ("parent",)
    filter_horizontal = ()
    exclude = ("jurisdiction",)


class RoleInline(admin.TabularInline[RoleAssignment, Official]):
    model = RoleAssignment
    extra = 0


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin[Official]):
    list_display = ("user", "organisation", "title")
    raw_id_fields = ("user", "organisation")
    inlines = [RoleInline]


@admin.register(AgencySystem)
class AgencySystemAdmin(admin.ModelAdmin[AgencySystem]):
    list_display = ("name", "organisation", "is_active")
    raw_id_fields = ("organisation",)


@admin.register(LegalDong)
class LegalDongAdmin(admin.ModelAdmin[LegalDong]):
    list_display = ("code", "full_name", "level", "valid_to")
    list_filter = ("level",)
    search_fields = ("code", "full_name")


@admin.register(AdminDong)
class AdminDongAdmin(admin.ModelAdmin[AdminDong]):
    list_display = ("code", "name", "sigungu_code", "population")
    search_fields = ("code", "name")
    filter_horizontal = ()
    exclude = ("legal_dongs",)
