"""The one window's errand catalogue as data (R-SVC-1, 一窗受理): what each errand asks of the
patient, who behind the counter approves it, the promised turnaround and the fee. The service
centre takes every errand at one window and carries it across departments itself; the patient
does not walk to them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ErrandType:
    code: str
    name: Promise
    provides: Promise
    approver: Promise
    turnaround_hours: int
    fee_fen: int = 0


CATALOGUE: tuple[ErrandType, ...] = (
    ErrandType(
        "insurance_filing",
        _("Insurance filing for treatment elsewhere"),
        _("Identity card, insurance card, referral letter"),
        _("Medical insurance office"),
        24,
    ),
    ErrandType(
        "certificate_stamp",
        _("Diagnosis certificate review and stamp"),
        _("The doctor's certificate, identity card"),
        _("Medical affairs office"),
        1,
    ),
    ErrandType(
        "sick_leave",
        _("Sick-leave certificate"),
        _("Identity card, the visit's record"),
        _("Medical affairs office"),
        2,
    ),
    ErrandType(
        "birth_certificate",
        _("Birth certificate"),
        _("Both parents' identity cards, the discharge record"),
        _("Obstetrics and the birth certificate office"),
        72,
    ),
    ErrandType(
        "wheelchair",
        _("Wheelchair lending"),
        _("Identity card and a deposit of 200 CNY"),
        _("Service centre"),
        0,
        20000,
    ),
    ErrandType(
        "lost_found",
        _("Lost and found"),
        _("A description of the item, identity card to claim"),
        _("Security office"),
        24,
    ),
)
BY_CODE = {errand.code: errand for errand in CATALOGUE}
CHOICES = [(errand.code, errand.name) for errand in CATALOGUE]
