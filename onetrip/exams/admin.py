"""Back office of the exam appointment centre (R-EXAM-1/2): the catalogue, devices with their
opening hours, and the preparation, sequencing and conflict rules, all editable here. Orders,
plans and device calendars change only through the services (booking takes slots by
conditional UPDATE), and orders name patients, so they are not here (D7, D53)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from onetrip.exams.models import (
    Device,
    ExamItem,
    ExamRule,
    OpeningHours,
    RuleKind,
    TravelTime,
)
from onetrip.exams.rules import CONTRAST_TAGS, FASTING_TAG, FULL_BLADDER_TAG, SEDATION_TAG

# Kinds about one exam, or whose blank second tag means any exam.
_SECOND_TAG_OPTIONAL = (
    RuleKind.MORNING_ONLY,
    RuleKind.REPEAT_WITHIN_DAYS,
    RuleKind.START_BEFORE,
    RuleKind.RECOVERY,
)


def _known_tags() -> set[str]:
    tags = {FASTING_TAG, SEDATION_TAG, FULL_BLADDER_TAG, *CONTRAST_TAGS.values()}
    for item_tags in ExamItem.objects.values_list("tags", flat=True):
        tags.update(item_tags)
    return tags


class ExamItemForm(forms.ModelForm):
    class Meta:
        model = ExamItem
        fields = [
            "code", "name", "name_en", "device_kind", "duration_minutes", "fasting_hours",
            "full_bladder", "bowel_prep", "contrast", "sedation", "lead_days", "tags",
            "preparation", "preparation_en", "is_active",
        ]  # fmt: skip

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
            raise forms.ValidationError(_('Tags are a list of words, e.g. ["abdominal_us"].'))
        return tags


@admin.register(ExamItem)
class ExamItemAdmin(admin.ModelAdmin):
    form = ExamItemForm
    list_display = ["code", "name", "device_kind", "duration_minutes", "fasting_hours", "is_active"]
    list_filter = ["device_kind", "contrast", "is_active"]
    search_fields = ["code", "name", "name_en"]


class ExamRuleForm(forms.ModelForm):
    class Meta:
        model = ExamRule
        fields = [
            "code", "kind", "first_tag", "second_tag", "days", "minutes", "reason", "reason_en",
            "is_active",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        known = _known_tags()
        for field in ("first_tag", "second_tag"):
            tag = cleaned.get(field)
            if tag and tag not in known:
                self.add_error(field, _("No exam item carries this tag."))
        kind = cleaned.get("kind")
        pair = kind not in _SECOND_TAG_OPTIONAL
        if pair and not cleaned.get("second_tag"):
            self.add_error("second_tag", _("This kind of rule relates two exams."))
        return cleaned


@admin.register(ExamRule)
class ExamRuleAdmin(admin.ModelAdmin):
    form = ExamRuleForm
    list_display = ["code", "kind", "first_tag", "second_tag", "days", "minutes", "is_active"]
    list_editable = ["is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "reason", "reason_en"]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    inlines = [OpeningHoursInline]
    list_display = [
        "code",
        "name",
        "institution",
        "kind",
        "slot_minutes",
        "daily_capacity",
        "is_active",
    ]
    list_filter = ["institution", "kind", "is_active"]
    search_fields = ["code", "name", "room"]


@admin.register(TravelTime)
class TravelTimeAdmin(admin.ModelAdmin):
    list_display = ["institution", "other_institution", "minutes"]
    list_filter = ["institution"]
