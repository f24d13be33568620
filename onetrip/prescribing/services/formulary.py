"""Setting up the formularies, the interaction table and the shared chronic-disease catalogue
(R-RX-3). The catalogue is the consortium's: adding a condition's drug puts it on the list every
member institution's formulary is checked against (`missing_catalogue_drugs`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution
from onetrip.core import audit
from onetrip.core.actors import Actor
from onetrip.core.errors import InvalidInput
from onetrip.core.models import AuditAction
from onetrip.prescribing.models import (
    ChronicCatalogueDrug,
    ChronicCondition,
    Formulary,
    FormularyDrug,
    Interaction,
    InteractionSeverity,
    Route,
)


@dataclass(frozen=True)
class DrugIn:
    code: str
    generic: str
    name: str
    unit: str
    min_single_dose: Decimal
    max_single_dose: Decimal
    max_daily_dose: Decimal
    routes: tuple[str, ...]
    therapeutic_class: str
    allergy_group: str = ""
    pregnancy_contraindicated: bool = False
    min_age_years: int = 0
    herbal: bool = False


@transaction.atomic
def open_formulary(
    institution_id: int,
    *,
    actor: Actor,
    standard_max_days: int = 7,
    chronic_max_days: int = 84,
    follow_up_window_days: int = 180,
) -> Formulary:
    if not 1 <= standard_max_days <= chronic_max_days <= 84:
        raise InvalidInput.field(
            "chronic_max_days", _("A long prescription lasts at most 12 weeks.")
        )
    formulary, _created = Formulary.objects.update_or_create(
        institution=Institution.objects.get(pk=institution_id),
        defaults={
            "standard_max_days": standard_max_days,
            "chronic_max_days": chronic_max_days,
            "follow_up_window_days": follow_up_window_days,
        },
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        formulary,
        summary=f"formulary policy {standard_max_days}/{chronic_max_days} days",
    )
    return formulary


@transaction.atomic
def add_drug(institution_id: int, data: DrugIn, *, actor: Actor) -> FormularyDrug:
    formulary = Formulary.objects.get(institution_id=institution_id)
    if not set(data.routes) <= set(Route.values) or not data.routes:
        raise InvalidInput.field("routes", _("Choose the routes."))
    if not 0 < data.min_single_dose <= data.max_single_dose <= data.max_daily_dose:
        raise InvalidInput.field("max_daily_dose", _("The dose limits are out of order."))
    drug, _created = FormularyDrug.objects.update_or_create(
        formulary=formulary,
        code=data.code,
        defaults={
            "generic": data.generic,
            "name": data.name,
            "unit": data.unit,
            "min_single_dose": data.min_single_dose,
            "max_single_dose": data.max_single_dose,
            "max_daily_dose": data.max_daily_dose,
            "routes": list(data.routes),
            "therapeutic_class": data.therapeutic_class,
            "allergy_group": data.allergy_group,
            "pregnancy_contraindicated": data.pregnancy_contraindicated,
            "min_age_years": data.min_age_years,
            "herbal": data.herbal,
        },
    )
    audit.record(actor, AuditAction.UPDATE, drug, summary=f"formulary drug {drug.code}")
    return drug


@transaction.atomic
def add_interaction(
    generic: str, other: str, *, severity: str, explanation: str, actor: Actor
) -> Interaction:
    if severity not in InteractionSeverity.values or generic == other:
        raise InvalidInput.field("severity", _("Choose a severity."))
    first, second = sorted((generic, other))
    pair, _created = Interaction.objects.update_or_create(
        generic_a=first,
        generic_b=second,
        defaults={"severity": severity, "explanation": explanation[:200]},
    )
    audit.record(actor, AuditAction.UPDATE, pair, summary=f"interaction {first}+{second}")
    return pair


@transaction.atomic
def add_chronic_drug(
    condition_code: str, condition_name: str, generic: str, *, actor: Actor
) -> ChronicCatalogueDrug:
    condition, _created = ChronicCondition.objects.get_or_create(
        code=condition_code, defaults={"name": condition_name}
    )
    entry, _created = ChronicCatalogueDrug.objects.get_or_create(
        condition=condition, generic=generic
    )
    audit.record(
        actor, AuditAction.UPDATE, entry, summary=f"chronic catalogue {condition_code}: {generic}"
    )
    return entry


def missing_catalogue_drugs(institution_id: int) -> list[ChronicCatalogueDrug]:
    """The shared catalogue's drugs an institution's formulary lacks (R-RX-3: a township must
    stock what the county prescribes for its chronic patients)."""
    stocked = FormularyDrug.objects.filter(formulary__institution_id=institution_id).values(
        "generic"
    )
    return list(
        ChronicCatalogueDrug.objects.exclude(generic__in=stocked)
        .select_related("condition")
        .order_by("condition__code", "generic")
    )
