"""Back office of the referral domain: the family doctor teams of the primary-care institutions
are set up here. Referrals, care plans, contracts and consultations are patient records that
change only through the services (D7), so they are not in the admin."""

from django.contrib import admin

from onetrip.referral.models import FamilyDoctorTeam


@admin.register(FamilyDoctorTeam)
class FamilyDoctorTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "institution", "lead_doctor", "phone")
    list_filter = ("institution",)
    search_fields = ("name",)
    raw_id_fields = ("lead_doctor",)
