"""A sandbox fiscal e-bill platform: numbers bills per institution and bill code, gives each a
random check code, and refuses a red-letter larger than what is left of the original.

Bill code (票据代码, ../shared/reference/domain-rules.md §5.1): region (2) + bill type (2:
01 outpatient, 02 inpatient) + year (2) + batch (2)."""

from __future__ import annotations

import secrets

from django.db import connection, transaction
from django.db.models import F

from onetrip.ebills.models import SandboxBillSeries, SandboxFiscalRecord
from onetrip.ebills.platform import BillRequest, BillStatus, IssuedNumber

REGION = "33"  # Zhejiang
BILL_TYPES = {"outpatient": "01", "inpatient": "02"}
BATCH = "01"


class PlatformRefusal(Exception):
    pass


class SandboxEBillPlatform:
    @transaction.atomic(savepoint=False)  # inside the issuer's transaction: no savepoint needed
    def issue(self, request: BillRequest) -> IssuedNumber:
        issued = _next_number(request)
        SandboxFiscalRecord.objects.create(
            institution_code=request.institution_code,
            bill_code=issued.bill_code,
            bill_number=issued.bill_number,
            check_code=issued.check_code,
            total_fen=request.total_fen,
        )
        return issued

    @transaction.atomic
    def red_letter(
        self, request: BillRequest, *, original: IssuedNumber, reason: str
    ) -> IssuedNumber:
        record = (
            SandboxFiscalRecord.objects.select_for_update(no_key=True)
            .filter(
                institution_code=request.institution_code,
                bill_code=original.bill_code,
                bill_number=original.bill_number,
                original__isnull=True,
            )
            .first()
        )
        if record is None:
            raise PlatformRefusal("原票据不存在")
        if record.red_lettered_fen - request.total_fen > record.total_fen:
            raise PlatformRefusal("冲红金额超过原票据剩余金额")
        SandboxFiscalRecord.objects.filter(pk=record.pk).update(
            red_lettered_fen=F("red_lettered_fen") - request.total_fen
        )
        issued = _next_number(request)
        SandboxFiscalRecord.objects.create(
            institution_code=request.institution_code,
            bill_code=issued.bill_code,
            bill_number=issued.bill_number,
            check_code=issued.check_code,
            total_fen=request.total_fen,
            original=record,
        )
        return issued

    def query(self, institution_code: str, bill_code: str, bill_number: str) -> BillStatus:
        record = SandboxFiscalRecord.objects.filter(
            institution_code=institution_code, bill_code=bill_code, bill_number=bill_number
        ).first()
        if record is None:
            return BillStatus(exists=False)
        return BillStatus(True, record.total_fen, record.red_lettered_fen)


def _next_number(request: BillRequest) -> IssuedNumber:
    bill_code = f"{REGION}{BILL_TYPES[request.visit_kind]}{request.issued_on:%y}{BATCH}"
    # One statement takes the next number under the series row's lock, opening the series on
    # its first bill (PostgreSQL and SQLite both have the upsert).
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SandboxBillSeries._meta.db_table} AS series"
            " (institution_code, bill_code, last_number) VALUES (%s, %s, 1)"
            " ON CONFLICT (institution_code, bill_code)"
            " DO UPDATE SET last_number = series.last_number + 1 RETURNING last_number",
            [request.institution_code, bill_code],
        )
        number = f"{cursor.fetchone()[0]:010d}"
    return IssuedNumber(
        bill_code=bill_code,
        bill_number=number,
        check_code=secrets.token_hex(3),
        platform_reference=f"SBX{bill_code}{number}",
    )
