"""Billing data (R-PAY-1/2/4): the price catalogue, itemised charges per visit, settlements with
their mode, payments per channel, refunds, a double-entry journal, pay-after-treatment debts and
reconciliation runs. Money is integer fen everywhere; CHECK constraints keep it non-negative.

The `Sandbox*` models at the end are not ours: they stand in for WeChat Pay's and Alipay's
servers (their order books), so tests can commit the provider's side and crash before ours.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    SERVICE = "service", _("Service")
    EXAM = "exam", _("Examination")
    DRUG = "drug", _("Drug")


class ChargeCategory(models.TextChoices):
    """The e-bill charge items of 财综〔2019〕29号; values are the ebills app's own."""

    BED = "bed", _("Bed fee")
    CONSULTATION = "consultation", _("Consultation fee")
    EXAMINATION = "examination", _("Examination fee")
    LABORATORY = "laboratory", _("Laboratory fee")
    TREATMENT = "treatment", _("Treatment fee")
    SURGERY = "surgery", _("Surgery fee")
    NURSING = "nursing", _("Nursing fee")
    MATERIALS = "materials", _("Medical materials")
    WESTERN_MEDICINE = "western_medicine", _("Western medicine")
    HERBAL_PIECES = "herbal_pieces", _("Chinese herbal pieces")
    PATENT_MEDICINE = "patent_medicine", _("Chinese patent medicine")
    GENERAL_CARE = "general_care", _("General medical service fee")
    REGISTRATION = "registration", _("Registration fee")
    OTHER_OUTPATIENT = "other_outpatient", _("Other outpatient charges")
    OTHER_INPATIENT = "other_inpatient", _("Other inpatient charges")


class InsuranceCategory(models.TextChoices):
    """甲/乙/丙 of the national insurance catalogue."""

    A = "A", _("Category A (fully covered)")
    B = "B", _("Category B (partly covered)")
    C = "C", _("Category C (self-paid)")


class CatalogueItem(models.Model):
    code = models.CharField(_("catalogue code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    charge_category = models.CharField(
        _("charge category"), max_length=16, choices=ChargeCategory.choices
    )
    insurance_category = models.CharField(
        _("insurance category"), max_length=1, choices=InsuranceCategory.choices
    )
    unit_price_fen = models.PositiveIntegerField(_("unit price (fen)"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class VisitKind(models.TextChoices):
    OUTPATIENT = "outpatient", _("Outpatient")
    INPATIENT = "inpatient", _("Inpatient")


class Bill(models.Model):
    """The itemised bill of one visit; settlements take its unsettled charges."""

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    visit_reference = models.CharField(_("visit number"), max_length=40)
    visit_kind = models.CharField(_("visit kind"), max_length=12, choices=VisitKind.choices)
    opened_at = models.DateTimeField(_("opened at"))

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "visit_reference"], name="bill_one_per_visit"
            )
        ]

    def __str__(self) -> str:
        return self.visit_reference


class ChargeSource(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    EXAM_ORDER = "exam_order", _("Exam order")
    PRESCRIPTION = "prescription", _("Prescription")
    TREATMENT = "treatment", _("Treatment")
    WARD = "ward", _("Ward")
    EMERGENCY = "emergency", _("Emergency care")
    VACCINATION = "vaccination", _("Vaccination")
    HOME_CARE = "home_care", _("Home care visit")
    SERVICE_CENTRE = "service_centre", _("Service centre")


class Charge(models.Model):
    """One line of a bill, copied from the catalogue when it was charged. `source_key` names the
    other domain's line (an exam order line, a prescription line) so a retry charges it once."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="charges")
    item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=100)
    charge_category = models.CharField(max_length=16, choices=ChargeCategory.choices)
    insurance_category = models.CharField(max_length=1, choices=InsuranceCategory.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price_fen = models.PositiveIntegerField()
    amount_fen = models.PositiveIntegerField()
    source = models.CharField(max_length=16, choices=ChargeSource.choices)
    source_key = models.CharField(max_length=100, unique=True)
    charged_at = models.DateTimeField()
    settlement = models.ForeignKey(
        "Settlement", null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="charge_quantity_positive"),
            models.CheckConstraint(
                condition=Q(amount_fen=F("quantity") * F("unit_price_fen")),
                name="charge_amount_is_quantity_times_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} x{self.quantity}"


class SettlementMode(models.TextChoices):
    """Where and how a bill was settled (R-PAY-1); in-clinic coverage is a KPI."""

    IN_CLINIC = "in_clinic", _("In the consulting room")
    KIOSK = "kiosk", _("Self-service kiosk")
    MOBILE = "mobile", _("Mobile phone")
    WINDOW = "window", _("Cashier window")
    INPATIENT_DEPOSIT = "inpatient_deposit", _("Inpatient deposit")
    BEDSIDE = "bedside", _("Ward bedside")
    INPATIENT_MOBILE = "inpatient_mobile", _("Inpatient mobile")
    DISCHARGE = "discharge", _("Discharge")
    PAY_LATER = "pay_later", _("Pay after treatment")


class PaymentChannel(models.TextChoices):
    """The six channels of R-PAY-2 plus pay-after-treatment credit."""

    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    BANK_CARD = "bank_card", _("Bank card (POS)")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    INSURANCE = "insurance", _("Social-security card")
    # 医保移动支付: insurance settled on the phone, its cash part through the platform's cashier.
    INSURANCE_MOBILE = "ins_mobile", _("Mobile medical insurance")
    CREDIT = "credit", _("Pay after treatment")
    # A discharge settlement whose personal cash the inpatient deposit covered in full.
    DEPOSIT = "deposit", _("Inpatient deposit")


class SettlementStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    SETTLED = "settled", _("Settled")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded in full")


class Settlement(models.Model):
    """A bill's charges settled at once: the split between insurance fund, personal account and
    personal cash, and the channel that took the cash."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="settlements")
    mode = models.CharField(_("mode"), max_length=20, choices=SettlementMode.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=PaymentChannel.choices)
    status = models.CharField(_("status"), max_length=10, choices=SettlementStatus.choices)
    total_fen = models.PositiveIntegerField(_("total (fen)"))
    fund_fen = models.PositiveIntegerField(_("insurance fund (fen)"), default=0)
    account_fen = models.PositiveIntegerField(_("personal account (fen)"), default=0)
    cash_fen = models.PositiveIntegerField(_("personal cash (fen)"))
    # What the patient's commercial health insurer pays of their own part (商保直赔, D100).
    commercial_fen = models.PositiveIntegerField(_("commercial insurer (fen)"), default=0)
    # Blood fees a blood donor or their relative does not pay (用血不用跑, R-PAY-6, D192): the
    # hospital claims them from the blood-donation fund instead.
    blood_fen = models.PositiveIntegerField(_("blood fees reimbursed (fen)"), default=0)
    commercial_id = models.CharField(max_length=60, blank=True)
    # The part of the personal cash taken from the inpatient deposit at discharge; the payment
    # through `channel` is the rest (cash_fen − deposit_fen).
    deposit_fen = models.PositiveIntegerField(_("from the deposit (fen)"), default=0)
    insurance_quote_id = models.CharField(max_length=60, blank=True)
    insurance_settlement_id = models.CharField(max_length=60, blank=True)
    ebill_id = models.CharField(max_length=60, blank=True)
    # Settled, its e-bill not yet issued: the e-bill worker's queue (D245). Set in the UPDATE
    # that settles it, cleared in the transaction that issues the e-bill.
    ebill_due = models.BooleanField(default=False)
    # The staff member who took the payment at once (a counter channel), named on the e-bill as
    # its payee; empty when the patient paid by themselves (the provider's notice).
    settled_by = models.CharField(max_length=150, blank=True)
    clinic = models.ForeignKey(
        "consortium.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    started_by = models.CharField(max_length=150)
    idempotency_scope = models.CharField(max_length=60, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        permissions = [("settle_bill", "Can settle bills and take payments")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    total_fen=F("fund_fen")
                    + F("account_fen")
                    + F("commercial_fen")
                    + F("blood_fen")
                    + F("cash_fen")
                ),
                name="settlement_split_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(deposit_fen__lte=F("cash_fen")), name="settlement_deposit_within_cash"
            ),
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="settlement_request_once",
            ),
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(ebill_due=True), name="settlement_ebill_due")
        ]

    def __str__(self) -> str:
        return f"settlement {self.pk} ({self.status})"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the provider")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")
    CLOSED = "closed", _("Closed")


# The payment state machine: the states each state may move to. Anything else is refused.
PAYMENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    PaymentStatus.PENDING: (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CLOSED),
    PaymentStatus.SUCCEEDED: (),
    PaymentStatus.FAILED: (),
    PaymentStatus.CLOSED: (),
}


class Payment(models.Model):
    """The personal-cash part of a settlement through one channel. `out_trade_no` is the order
    number the provider knows us by; `provider_trade_no` is theirs."""

    settlement = models.OneToOneField(Settlement, on_delete=models.PROTECT, related_name="payment")
    channel = models.CharField(max_length=12, choices=PaymentChannel.choices)
    amount_fen = models.PositiveIntegerField()
    refunded_fen = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices)
    out_trade_no = models.CharField(max_length=32, unique=True)
    provider_trade_no = models.CharField(max_length=64, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    cashier_url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=F("amount_fen")), name="payment_refund_within_paid"
            ),
        ]
        indexes = [models.Index(fields=["status", "channel"], name="payment_status_channel")]

    def __str__(self) -> str:
        return self.out_trade_no


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_fen = models.PositiveIntegerField()
    out_refund_no = models.CharField(max_length=32, unique=True)
    provider_refund_no = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=200)
    refunded_at = models.DateTimeField()
    refunded_by = models.CharField(max_length=150)
    idempotency_scope = models.CharField(max_length=60, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="refund_request_once",
            ),
        ]

    def __str__(self) -> str:
        return self.out_refund_no


class ProviderNotice(models.Model):
    """Every verified provider notification, once: a duplicate delivery hits the unique key."""

    channel = models.CharField(max_length=12, choices=PaymentChannel.choices)
    notice_id = models.CharField(max_length=64)
    out_trade_no = models.CharField(max_length=32)
    trade_state = models.CharField(max_length=32)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "notice_id"], name="provider_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.notice_id}"


class Account(models.TextChoices):
    """Ledger accounts of the journal."""

    PATIENT_RECEIVABLE = "patient_receivable", _("Patient receivable")
    REVENUE = "revenue", _("Medical revenue")
    INSURANCE_RECEIVABLE = "insurance_receivable", _("Insurance fund receivable")
    PERSONAL_ACCOUNT = "personal_account", _("Personal insurance account receivable")
    COMMERCIAL_RECEIVABLE = "commercial_receivable", _("Commercial insurer receivable")
    BLOOD_RECEIVABLE = "blood_receivable", _("Blood-donation fund receivable")
    CASH = "cash", _("Cash on hand")
    CHEQUE = "cheque", _("Cheques to deposit")
    BANK_CARD = "bank_card", _("Card acquirer clearing")
    WECHAT = "wechat", _("WeChat Pay clearing")
    ALIPAY = "alipay", _("Alipay clearing")
    INSURANCE_MOBILE = "ins_mobile", _("Mobile medical insurance clearing")
    CREDIT = "credit", _("Pay-after-treatment debt")
    # Money patients paid in ahead of charges: owed back to them until discharge draws it.
    INPATIENT_DEPOSIT = "inpatient_deposit", _("Inpatient deposits held (liability)")


class JournalEntry(models.Model):
    """One balanced posting (a settlement, a refund, a debt repayment)."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="entries")
    memo = models.CharField(max_length=100)
    posted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")

    def __str__(self) -> str:
        return f"{self.memo} #{self.pk}"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.CharField(max_length=24, choices=Account.choices)
    debit_fen = models.PositiveIntegerField(default=0)
    credit_fen = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit_fen=0) & Q(credit_fen__gt=0))
                | (Q(credit_fen=0) & Q(debit_fen__gt=0)),
                name="journal_line_one_side",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.debit_fen}/{self.credit_fen}"


class DebtStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")


class Debt(models.Model):
    """Pay after treatment (R-PAY-4): what the patient owes and by when."""

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    settlement = models.OneToOneField(Settlement, on_delete=models.PROTECT, related_name="debt")
    amount_fen = models.PositiveIntegerField()
    due_on = models.DateField()
    status = models.CharField(max_length=6, choices=DebtStatus.choices, default=DebtStatus.OPEN)
    reminded_at = models.DateTimeField(null=True, blank=True)
    repayment = models.OneToOneField(
        "Settlement", null=True, blank=True, on_delete=models.PROTECT, related_name="repaid_debt"
    )

    class Meta:
        verbose_name = _("debt")
        verbose_name_plural = _("debts")
        indexes = [models.Index(fields=["patient", "status", "due_on"], name="debt_patient_due")]

    def __str__(self) -> str:
        return f"debt {self.pk} due {self.due_on}"


class DepositAccount(models.Model):
    """The inpatient deposit (住院预交金) of one admission: the inpatient bill, whose visit number
    is the admission number. The balance is top-ups minus what discharge drew minus refunds, kept
    so by a CHECK and moved only by conditional UPDATEs under the row lock (D50)."""

    bill = models.OneToOneField(Bill, on_delete=models.PROTECT, related_name="deposit")
    topped_up_fen = models.PositiveIntegerField(_("paid in (fen)"), default=0)
    drawn_fen = models.PositiveIntegerField(_("drawn at discharge (fen)"), default=0)
    refunded_fen = models.PositiveIntegerField(_("refunded (fen)"), default=0)
    balance_fen = models.PositiveIntegerField(_("balance (fen)"), default=0)
    opened_at = models.DateTimeField()
    # Set by discharge settlement: no top-up is taken after it, and asking again answers with it.
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharge_settlement = models.OneToOneField(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("inpatient deposit")
        verbose_name_plural = _("inpatient deposits")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    balance_fen=F("topped_up_fen") - F("drawn_fen") - F("refunded_fen"),
                    balance_fen__gte=0,
                ),
                name="deposit_balance_is_topups_less_draws_and_refunds",
            ),
        ]

    def __str__(self) -> str:
        return f"deposit {self.bill_id}: {self.balance_fen}"


class DepositTopUp(models.Model):
    """One payment into the deposit (交预交金). It is a settlement of no charges whose payment
    goes through the usual channels, notices, recovery and refunds; the balance grows only when
    that payment succeeds. `refunded_fen` is what went back to this top-up's channel."""

    account = models.ForeignKey(DepositAccount, on_delete=models.PROTECT, related_name="top_ups")
    settlement = models.OneToOneField(
        Settlement, on_delete=models.PROTECT, related_name="deposit_top_up"
    )
    amount_fen = models.PositiveIntegerField()
    refunded_fen = models.PositiveIntegerField(default=0)
    credited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("deposit top-up")
        verbose_name_plural = _("deposit top-ups")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="deposit_top_up_positive"),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=F("amount_fen")),
                name="deposit_top_up_refund_within_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"top-up {self.pk}: {self.amount_fen}"


class ReconciliationRun(models.Model):
    channel = models.CharField(max_length=12, choices=PaymentChannel.choices)
    day = models.DateField()
    ran_at = models.DateTimeField()
    matched = models.PositiveIntegerField()
    mismatches = models.JSONField(default=list)

    class Meta:
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")

    def __str__(self) -> str:
        return f"{self.channel} {self.day}"


# --- the providers' side (sandbox only) ------------------------------------------------------


class SandboxTrade(models.Model):
    """An order in a sandbox provider's books (WeChat Pay or Alipay), with the provider's own
    state names (`SUCCESS`/`NOTPAY`… for WeChat, `TRADE_SUCCESS`/`WAIT_BUYER_PAY`… for Alipay)."""

    provider = models.CharField(max_length=12)
    out_trade_no = models.CharField(max_length=32)
    trade_no = models.CharField(max_length=64, unique=True)
    amount_fen = models.PositiveIntegerField()
    refunded_fen = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=20)
    description = models.CharField(max_length=128)
    notify_url = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "out_trade_no"], name="sandbox_trade_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.out_trade_no}"


class SandboxRefund(models.Model):
    trade = models.ForeignKey(SandboxTrade, on_delete=models.PROTECT, related_name="refunds")
    out_refund_no = models.CharField(max_length=32, unique=True)
    refund_no = models.CharField(max_length=64)
    amount_fen = models.PositiveIntegerField()
    refunded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.out_refund_no
