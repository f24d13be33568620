"""A sandbox of the national insurance platform's outpatient flow (R-PAY-3; transaction codes of
../shared/reference/domain-rules.md §3.2): 1101 person, 2201/2202 registration and its cancel,
2203 diagnosis, 2204/2205 fee details and their cancel, 2206 pre-settlement, 2207 settlement,
2208 settlement reversal. Reimbursement follows the `InsurancePolicy` rows (defaults in
`policy.DEFAULT_TERMS`).

Like the real platform it answers a msgid it has seen with the answer it gave, and refuses what
the real one refuses (unknown visit, settling twice, reversing twice). Its one shortcut: the
real platform knows an item's category (甲/乙/丙) from its own catalogue via `med_list_codg`;
the sandbox reads the `chrgitm_lv` each fee detail carries (01/02/03).

A resident ID number it has not seen is enrolled on first look-up as an employee (insutype 310)
with a personal account of `NEW_PERSON_BALANCE_FEN`, so demos and tests work on any patient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from onetrip.core import clock
from onetrip.insurance import envelope
from onetrip.insurance.envelope import fen, yuan
from onetrip.insurance.models import (
    InsurancePolicy,
    SandboxPerson,
    SandboxReceipt,
    SandboxSettlement,
    SandboxVisit,
)
from onetrip.insurance.policy import DEFAULT_TERMS, PolicyTerms, Split, YearToDate, compute_split

NEW_PERSON_BALANCE_FEN = 80_000
LEVEL_TO_CATEGORY = {level: category for category, level in envelope.CATEGORY_TO_LEVEL.items()}


class Refusal(Exception):
    """The platform's answer with infcode -1 and this err_msg."""


class SandboxPlatform:
    def exchange(self, request: dict[str, Any]) -> dict[str, Any]:
        msgid = request.get("msgid", "")
        seen = SandboxReceipt.objects.filter(msgid=msgid).first()
        if seen is not None:
            return seen.response
        try:
            with transaction.atomic():
                answer = self._answer(request)
                SandboxReceipt.objects.create(
                    msgid=msgid, infno=request.get("infno", ""), response=answer
                )
        except IntegrityError:
            # The same msgid raced in from a retry: that one's answer stands.
            return SandboxReceipt.objects.get(msgid=msgid).response
        return answer

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        handler = HANDLERS.get(request.get("infno", ""))
        if handler is None:
            return envelope.response(request, clock.now(), error="交易编号不存在")
        try:
            with transaction.atomic():
                output = handler(request["input"], request)
        except Refusal as refusal:
            return envelope.response(request, clock.now(), error=str(refusal))
        return envelope.response(request, clock.now(), output=output)


# --- 1101 person --------------------------------------------------------------------------


def person_info(data: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    certno = data["data"].get("mdtrt_cert_no") or data["data"].get("certno", "")
    person = _person_by_certno(certno, data["data"].get("psn_name", ""))
    return {
        "baseinfo": {
            "psn_no": person.psn_no,
            "psn_cert_type": "01",
            "certno": person.certno,
            "psn_name": person.name,
            "gend": "1" if int(person.certno[16]) % 2 else "2",
            "brdy": f"{person.certno[6:10]}-{person.certno[10:12]}-{person.certno[12:14]}",
        },
        "insuinfo": [
            {
                "insutype": person.insutype,
                "psn_type": "11",
                "balc": yuan(person.account_balance_fen),
                "insuplc_admdvs": person.insuplc_admdvs,
                "psn_insu_stas": "1",
                "paus_insu_date": None,
            }
        ],
        "idetinfo": [],
    }


def _person_by_certno(certno: str, name: str) -> SandboxPerson:
    if len(certno) != 18:
        raise Refusal("人员信息不存在")
    person, _created = SandboxPerson.objects.get_or_create(
        certno=certno,
        defaults={
            "psn_no": f"3301{certno[-12:]}",
            "name": name,
            "insutype": "310",
            "insuplc_admdvs": certno[:4] + "00",
            "account_balance_fen": NEW_PERSON_BALANCE_FEN,
            "year": clock.today().year,
            "year_deductible_fen": 0,
            "year_fund_fen": 0,
        },
    )
    return person


def _locked_person(psn_no: str) -> SandboxPerson:
    person = SandboxPerson.objects.select_for_update(no_key=True).filter(psn_no=psn_no).first()
    if person is None:
        raise Refusal("人员信息不存在")
    if person.year != clock.today().year:  # the annual totals start again each January
        person.year, person.year_deductible_fen, person.year_fund_fen = clock.today().year, 0, 0
        person.save(update_fields=["year", "year_deductible_fen", "year_fund_fen"])
    return person


# --- 2201/2202 registration ----------------------------------------------------------------


def register(data: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    fields = data["data"]
    person = SandboxPerson.objects.filter(psn_no=fields["psn_no"]).first()
    if person is None:
        raise Refusal("人员信息不存在")
    visit = SandboxVisit.objects.create(mdtrt_id="", person=person, ipt_otp_no=fields["ipt_otp_no"])
    # mdtrt_id: "S" + 6-digit area + YYMMDD + 7-digit sequence (§3.3).
    visit.mdtrt_id = f"S{request['mdtrtarea_admvs']}{clock.now():%y%m%d}{visit.pk:07d}"
    visit.save(update_fields=["mdtrt_id"])
    return {
        "data": {
            "mdtrt_id": visit.mdtrt_id,
            "psn_no": person.psn_no,
            "ipt_otp_no": visit.ipt_otp_no,
        }
    }


def cancel_registration(data: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    visit = _open_visit(data["data"]["mdtrt_id"])
    visit.registered = False
    visit.save(update_fields=["registered"])
    return {}


def _open_visit(mdtrt_id: str) -> SandboxVisit:
    visit = (
        SandboxVisit.objects.select_for_update(no_key=True)
        .filter(mdtrt_id=mdtrt_id, registered=True)
        .first()
    )
    if visit is None:
        raise Refusal("就诊信息不存在")
    if SandboxSettlement.objects.filter(visit=visit, reversed=False).exists():
        raise Refusal("该就诊已结算，请先撤销结算")
    return visit


# --- 2203 diagnosis, 2204/2205 fee details ---------------------------------------------------


def upload_diagnosis(data: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    visit = _open_visit(data["mdtrtinfo"]["mdtrt_id"])
    visit.diagnoses = data["diseinfo"]
    visit.save(update_fields=["diagnoses"])
    return {}


def upload_fee_details(data: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    details = data["feedetail"]
    if not details:
        raise Refusal("费用明细不能为空")
    visit = _open_visit(details[0]["mdtrt_id"])
    if len({d["feedetl_sn"] for d in details}) != len(details):
        raise Refusal("费用明细流水号重复")
    if any(d.get("chrgitm_lv") not in LEVEL_TO_CATEGORY for d in details):
        raise Refusal("收费项目等级不存在")
    visit.fee_details = details
    visit.chrg_bchno = details[0]["chrg_bchno"]
    visit.save(update_fields=["fee_details", "chrg_bchno"])
    return {
        "result": [
            {
                "feedetl_sn": d["feedetl_sn"],
                "det_item_fee_sumamt": d["det_item_fee_sumamt"],
                "cnt": d["cnt"],
                "pric": d["pric"],
                "chrgitm_lv": d["chrgitm_lv"],
                "fulamt_ownpay_amt": d["det_item_fee_sumamt"]
                if d["chrgitm_lv"] == "03"
                else "0.00",
            }
            for d in details
        ]
    }


def cancel_fee_details(data: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    visit = _open_visit(data["data"]["mdtrt_id"])
    visit.fee_details, visit.chrg_bchno = [], ""
    visit.save(update_fields=["fee_details", "chrg_bchno"])
    return {}


# --- 2206/2207 settlement, 2208 reversal ---------------------------------------------------


def pre_settle(data: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    visit, person, split = _price(data["data"])
    return _settlement_output(visit, person, split, setl_id="", balance=person.account_balance_fen)


def settle(data: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    visit, person, split = _price(data["data"])
    person.account_balance_fen -= split.account_fen
    person.year_deductible_fen += split.deductible_fen
    person.year_fund_fen += split.fund_fen
    person.save(update_fields=["account_balance_fen", "year_deductible_fen", "year_fund_fen"])
    settlement = SandboxSettlement.objects.create(
        setl_id="",
        visit=visit,
        setlinfo={},
        deductible_fen=split.deductible_fen,
        fund_fen=split.fund_fen,
        account_fen=split.account_fen,
    )
    settlement.setl_id = f"A{request['mdtrtarea_admvs']}{clock.now():%y%m%d}{settlement.pk:07d}"
    output = _settlement_output(
        visit, person, split, setl_id=settlement.setl_id, balance=person.account_balance_fen
    )
    settlement.setlinfo = output["setlinfo"]
    settlement.save(update_fields=["setl_id", "setlinfo"])
    return output


def reverse_settlement(data: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    fields = data["data"]
    settlement = (
        SandboxSettlement.objects.select_for_update(no_key=True)
        .filter(setl_id=fields["setl_id"], visit__mdtrt_id=fields["mdtrt_id"])
        .first()
    )
    if settlement is None:
        raise Refusal("结算信息不存在")
    if settlement.reversed:
        raise Refusal("该结算已撤销")
    person = _locked_person(fields["psn_no"])
    person.account_balance_fen += settlement.account_fen
    person.year_deductible_fen = max(0, person.year_deductible_fen - settlement.deductible_fen)
    person.year_fund_fen = max(0, person.year_fund_fen - settlement.fund_fen)
    person.save(update_fields=["account_balance_fen", "year_deductible_fen", "year_fund_fen"])
    settlement.reversed = True
    settlement.save(update_fields=["reversed"])
    original = settlement.setlinfo
    negated = {key: yuan(-fen(original[key])) for key in MONEY_KEYS}
    return {"setlinfo": original | negated | {"balc": yuan(person.account_balance_fen)}}


def _price(fields: dict[str, Any]) -> tuple[SandboxVisit, SandboxPerson, Split]:
    visit = _open_visit(fields["mdtrt_id"])
    if not visit.fee_details or visit.chrg_bchno != fields["chrg_bchno"]:
        raise Refusal("未上传费用明细")
    person = _locked_person(fields["psn_no"])
    lines = [
        (LEVEL_TO_CATEGORY[d["chrgitm_lv"]], fen(d["det_item_fee_sumamt"]))
        for d in visit.fee_details
    ]
    if sum(amount for _category, amount in lines) != fen(fields["medfee_sumamt"]):
        raise Refusal("医疗费总额与费用明细不符")
    split = compute_split(
        lines,
        _terms(person.insutype),
        YearToDate(person.year_deductible_fen, person.year_fund_fen, person.account_balance_fen),
        use_account=fields["acct_used_flag"] == "1",
    )
    return visit, person, split


def _terms(insutype: str) -> PolicyTerms:
    row = InsurancePolicy.objects.filter(insutype=insutype).first()
    if row is None:
        return DEFAULT_TERMS[insutype]
    return PolicyTerms(
        deductible_fen=row.deductible_fen,
        fund_ratio_a_bp=row.fund_ratio_a_bp,
        fund_ratio_b_bp=row.fund_ratio_b_bp,
        b_self_pay_first_bp=row.b_self_pay_first_bp,
        annual_ceiling_fen=row.annual_ceiling_fen,
        account_may_pay=row.account_may_pay,
        account_pays_self_paid_items=row.account_pays_self_paid_items,
    )


def _settlement_output(
    visit: SandboxVisit, person: SandboxPerson, split: Split, *, setl_id: str, balance: int
) -> dict[str, Any]:
    """The setlinfo of §3.3 (amounts in yuan) and one setldetail row for the basic fund."""
    ratio = 0 if split.in_scope_fen == 0 else split.fund_fen * 10_000 // split.in_scope_fen
    return {
        "setlinfo": {
            "setl_id": setl_id,
            "mdtrt_id": visit.mdtrt_id,
            "psn_no": person.psn_no,
            "psn_name": person.name,
            "insutype": person.insutype,
            "psn_type": "11",
            "med_type": "11",
            "setl_time": clock.now().strftime(envelope.TIME_FORMAT),
            "medfee_sumamt": yuan(split.total_fen),
            "fulamt_ownpay_amt": yuan(split.self_paid_fen),
            "overlmt_selfpay": yuan(split.over_ceiling_fen),
            "preselfpay_amt": yuan(split.pre_self_paid_fen),
            "inscp_scp_amt": yuan(split.in_scope_fen),
            "act_pay_dedc": yuan(split.deductible_fen),
            "hifp_pay": yuan(split.fund_fen),
            "pool_prop_selfpay": f"{ratio / 10_000:.4f}",
            "fund_pay_sumamt": yuan(split.fund_fen),
            "psn_part_amt": yuan(split.personal_fen),
            "acct_pay": yuan(split.account_fen),
            "psn_cash_pay": yuan(split.cash_fen),
            "hosp_part_amt": "0.00",
            "balc": yuan(balance),
            "clr_type": "11",
        },
        "setldetail": [
            {
                "fund_pay_type": f"{person.insutype}100",
                "fund_pay_type_name": FUND_NAMES[person.insutype],
                "inscp_scp_amt": yuan(split.in_scope_fen),
                "fund_payamt": yuan(split.fund_fen),
            }
        ],
    }


MONEY_KEYS = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "psn_cash_pay",
    "hosp_part_amt",
)
FUND_NAMES = {"310": "职工基本医疗保险统筹基金", "390": "城乡居民基本医疗保险基金"}

HANDLERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]] = {
    "1101": person_info,
    "2201": register,
    "2202": cancel_registration,
    "2203": upload_diagnosis,
    "2204": upload_fee_details,
    "2205": cancel_fee_details,
    "2206": pre_settle,
    "2207": settle,
    "2208": reverse_settlement,
}
