"""Back office for the consortium's reference data (system administrators).

Patient data is deliberately absent from the admin: every staff view of it must be audited and
every change validated, which only the staff pages and the API do (through the services)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db import models

from onetrip.consortium.models import Clinic, Department, Doctor, Institution, StaffProfile


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "name_en"]


class ClinicInline(admin.TabularInline):
    model = Clinic
    extra = 0


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "institution"]
    list_filter = ["institution"]
    search_fields = ["name", "code"]
    inlines = [ClinicInline]


@admin.register(Doctor)
class DoctorAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "department"]
    list_filter = ["title", "department__institution"]
    search_fields = ["name", "speciality"]
    raw_id_fields = ["user"]
    # A photo address without a scheme is taken as https (Django 6's default, asked for now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "staff_name", "staff_institution", "is_active"]
    list_select_related = ["staff_profile__institution"]

    @admin.display(description="name")
    def staff_name(self, user: User) -> str:
        return getattr(getattr(user, "staff_profile", None), "full_name", "")

    @admin.display(description="institution")
    def staff_institution(self, user: User) -> str:
        profile = getattr(user, "staff_profile", None)
        return str(profile.institution) if profile else ""
