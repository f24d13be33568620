"""The Django admin holds no patient data (D7, D53; issue 12 item 12): it neither audits reads
nor scopes to an institution, so a model that names a patient, or carries a message to or about
one, must not be registered there. Checked over every registered model, so a new admin class
is covered the day it is added."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

# Models without a relation to a patient that still carry their data: raw results messages
# (PID segments), notices and their delivery (phone, appointment, report), the insurance
# platform's exchanges (identity numbers) and the audit trail itself.
PATIENT_MESSAGE_MODELS = {
    "reports.inboundmessage",
    "notifications.notification",
    "notifications.deliveryattempt",
    "notifications.sandboxmessage",
    "insurance.platformexchange",
    "core.auditevent",
}


def _reaches_a_patient(model: type[models.Model], hops: int = 3) -> bool:
    if model._meta.label_lower == "identity.patient" or model._meta.app_label == "identity":
        return True
    if any(field.name == "patient_id" for field in model._meta.concrete_fields):
        return True
    if hops == 0:
        return False
    return any(
        field.many_to_one and _reaches_a_patient(field.related_model, hops - 1)
        for field in model._meta.concrete_fields
        if field.is_relation
    )


def test_no_admin_page_shows_patient_data():
    shown = [
        model._meta.label_lower
        for model in admin.site._registry
        if _reaches_a_patient(model) or model._meta.label_lower in PATIENT_MESSAGE_MODELS
    ]
    assert shown == [], f"patient data in the Django admin: {shown}"


def test_the_rule_sees_a_report_and_a_settlement():
    # The check itself: a report names its patient, a settlement through its bill.
    from onetrip.billing.models import Settlement
    from onetrip.reports.models import Report

    assert _reaches_a_patient(Report)
    assert _reaches_a_patient(Settlement)
