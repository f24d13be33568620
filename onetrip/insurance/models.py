"""Medical-insurance settlement records (R-PAY-3): the policy that prices a bill, every message
exchanged with the national platform, and the quotes and settlements billing relies on.

The `Sandbox*` tables are the sandbox platform's own state (insured persons, visits, settlements,
received messages); a real deployment talks to the national platform and leaves them empty.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InsuranceCategory(models.TextChoices):
    A = "A", _("Category A (甲类)")
    B = "B", _("Category B (乙类)")
    C = "C", _("Category C, self-paid (丙类)")


class InsuranceType(models.TextChoices):
    """insutype codes of the national dictionary."""

    EMPLOYEE = "310", _("Employee basic medical insurance")
    RESIDENT = "390", _("Urban and rural resident medical insurance")


class InsurancePolicy(models.Model):
    """How the fund pays for one insurance type in a year: deductible (起付线), the fund's share by
    item category, the category B share the patient pays first (先行自付), the annual ceiling
    (封顶线) and whether the personal account may pay. Ratios are basis points (1/10,000)."""

    insutype = models.CharField(
        _("insurance type"), max_length=3, choices=InsuranceType.choices, unique=True
    )
    deductible_fen = models.PositiveIntegerField(_("deductible (fen)"))
    fund_ratio_a_bp = models.PositiveIntegerField(_("fund share, category A (basis points)"))
    fund_ratio_b_bp = models.PositiveIntegerField(_("fund share, category B (basis points)"))
    b_self_pay_first_bp = models.PositiveIntegerField(
        _("category B paid first by the patient (basis points)")
    )
    annual_ceiling_fen = models.PositiveBigIntegerField(_("annual fund ceiling (fen)"))
    account_may_pay = models.BooleanField(_("personal account may pay"), default=True)
    account_pays_self_paid_items = models.BooleanField(
        _("personal account may pay category C items"), default=False
    )

    class Meta:
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(fund_ratio_a_bp__lte=10000)
                & Q(fund_ratio_b_bp__lte=10000)
                & Q(b_self_pay_first_bp__lte=10000),
                name="insurance_policy_ratios",
            )
        ]

    def __str__(self) -> str:
        return self.get_insutype_display()


class PlatformExchange(models.Model):
    """One request/response pair with the insurance platform, written before sending and
    completed on the answer. msgid is unique: a retry re-sends the same msgid and the platform
    answers it once."""

    msgid = models.CharField(_("message id"), max_length=40, unique=True, null=True)
    infno = models.CharField(_("transaction code"), max_length=4, db_index=True)
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    patient_id = models.BigIntegerField(_("patient"), null=True, blank=True, db_index=True)
    request = models.JSONField(_("request"), default=dict)
    response = models.JSONField(_("response"), null=True, blank=True)
    infcode = models.CharField(_("result code"), max_length=10, blank=True)
    err_msg = models.CharField(_("error message"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), db_index=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("platform exchange")
        verbose_name_plural = _("platform exchanges")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.infno} {self.msgid}"


class QuoteStatus(models.TextChoices):
    QUOTED = "quoted", _("Pre-settled")
    SETTLED = "settled", _("Settled")
    CANCELLED = "cancelled", _("Cancelled")


SPLIT_ADDS_UP = Q(total_fen=F("fund_fen") + F("account_fen") + F("cash_fen"))


class InsuranceQuote(models.Model):
    """A pre-settlement (2206) of one visit's fees: what the fund, the personal account and the
    patient's cash would pay."""

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    visit_reference = models.CharField(_("visit"), max_length=40)
    psn_no = models.CharField(_("insured person number"), max_length=30)
    insutype = models.CharField(_("insurance type"), max_length=3, choices=InsuranceType.choices)
    insuplc_admdvs = models.CharField(_("insured area"), max_length=6)
    mdtrt_id = models.CharField(_("visit id (mdtrt_id)"), max_length=30)
    chrg_bchno = models.CharField(_("charge batch"), max_length=30)
    use_account = models.BooleanField(_("personal account used"))
    items = models.JSONField(_("items"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.QUOTED
    )
    total_fen = models.PositiveBigIntegerField(_("total (fen)"))
    fund_fen = models.PositiveBigIntegerField(_("fund pays (fen)"))
    account_fen = models.PositiveBigIntegerField(_("personal account pays (fen)"))
    cash_fen = models.PositiveBigIntegerField(_("personal cash (fen)"))
    self_paid_fen = models.PositiveBigIntegerField(_("fully self-paid (fen)"))
    pre_self_paid_fen = models.PositiveBigIntegerField(_("paid first by the patient (fen)"))
    deductible_fen = models.PositiveBigIntegerField(_("deductible paid (fen)"))
    over_ceiling_fen = models.PositiveBigIntegerField(_("over the ceiling (fen)"))
    account_balance_fen = models.PositiveBigIntegerField(_("account balance after (fen)"))
    settle_msgid = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("insurance pre-settlement")
        verbose_name_plural = _("insurance pre-settlements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=SPLIT_ADDS_UP, name="insurance_quote_split_adds_up"),
            models.UniqueConstraint(
                fields=["institution", "visit_reference"],
                condition=Q(status="quoted"),
                name="insurance_one_open_quote_per_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit_reference} {self.mdtrt_id}"


class SettlementStatus(models.TextChoices):
    SETTLED = "settled", _("Settled")
    REVERSED = "reversed", _("Reversed")


class InsuranceSettlement(models.Model):
    """A settlement (2207) as the platform answered it; reversed (2208) at most once."""

    quote = models.OneToOneField(
        InsuranceQuote, on_delete=models.PROTECT, related_name="settlement"
    )
    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    setl_id = models.CharField(_("settlement id (setl_id)"), max_length=30, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SettlementStatus.choices,
        default=SettlementStatus.SETTLED,
    )
    total_fen = models.PositiveBigIntegerField(_("total (fen)"))
    fund_fen = models.PositiveBigIntegerField(_("fund pays (fen)"))
    account_fen = models.PositiveBigIntegerField(_("personal account pays (fen)"))
    cash_fen = models.PositiveBigIntegerField(_("personal cash (fen)"))
    account_balance_fen = models.PositiveBigIntegerField(_("account balance after (fen)"))
    reverse_msgid = models.CharField(max_length=40, blank=True)
    settled_at = models.DateTimeField(_("settled at"))
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("insurance settlement")
        verbose_name_plural = _("insurance settlements")
        ordering = ["-settled_at", "-id"]
        permissions = [
            ("settle_insurance", _("Can pre-settle, settle and reverse insurance settlements")),
            ("query_insured_person", _("Can look up a patient's insurance (1101)")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=SPLIT_ADDS_UP, name="insurance_settlement_split_adds_up"
            ),
            models.CheckConstraint(
                condition=Q(status="settled", reversed_at__isnull=True)
                | Q(status="reversed", reversed_at__isnull=False),
                name="insurance_settlement_reversal_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.setl_id


# --- the sandbox platform's own state ------------------------------------------------------


class SandboxPerson(models.Model):
    """An insured person as the sandbox platform knows them, found by resident ID number."""

    psn_no = models.CharField(max_length=30, unique=True)
    certno = models.CharField(_("ID number"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=60)
    insutype = models.CharField(max_length=3, choices=InsuranceType.choices)
    insuplc_admdvs = models.CharField(_("insured area"), max_length=6)
    account_balance_fen = models.PositiveBigIntegerField(_("account balance (fen)"))
    year = models.PositiveSmallIntegerField(_("year of the totals"))
    year_deductible_fen = models.PositiveBigIntegerField(_("deductible paid this year (fen)"))
    year_fund_fen = models.PositiveBigIntegerField(_("fund paid this year (fen)"))

    class Meta:
        verbose_name = _("sandbox insured person")
        verbose_name_plural = _("sandbox insured persons")

    def __str__(self) -> str:
        return self.psn_no


class SandboxVisit(models.Model):
    mdtrt_id = models.CharField(max_length=30, unique=True)
    person = models.ForeignKey(SandboxPerson, on_delete=models.PROTECT, related_name="+")
    ipt_otp_no = models.CharField(max_length=40)
    registered = models.BooleanField(default=True)
    diagnoses = models.JSONField(default=list)
    fee_details = models.JSONField(default=list)
    chrg_bchno = models.CharField(max_length=30, blank=True)

    def __str__(self) -> str:
        return self.mdtrt_id


class SandboxSettlement(models.Model):
    setl_id = models.CharField(max_length=30, unique=True)
    visit = models.ForeignKey(SandboxVisit, on_delete=models.PROTECT, related_name="+")
    setlinfo = models.JSONField()
    deductible_fen = models.PositiveBigIntegerField()
    fund_fen = models.PositiveBigIntegerField()
    account_fen = models.PositiveBigIntegerField()
    reversed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.setl_id


class SandboxReceipt(models.Model):
    """The answer the sandbox gave to a msgid: a replayed msgid gets the same answer again."""

    msgid = models.CharField(max_length=40, unique=True)
    infno = models.CharField(max_length=4)
    response = models.JSONField()

    def __str__(self) -> str:
        return self.msgid


# --- commercial health insurance settled with the bill (商保直赔, R-PAY-8, D100) -------------


class Insurer(models.TextChoices):
    PICC_HEALTH = "picc_health", _("PICC Health (人保健康)")
    PINGAN_HEALTH = "pingan_health", _("Ping An Health (平安健康)")
    TAIPING = "taiping", _("China Taiping (中国太平)")


class CommercialPolicy(models.Model):
    """A patient's commercial health policy as the insurer confirmed it: its term and the rules
    the insurer pays by (deductible per year, its share in basis points, its yearly cap)."""

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    insurer = models.CharField(_("insurer"), max_length=20, choices=Insurer.choices)
    policy_number = models.CharField(_("policy number"), max_length=32)
    product_name = models.CharField(_("product"), max_length=60)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    deductible_fen = models.PositiveBigIntegerField(_("deductible per year (fen)"))
    ratio_bp = models.PositiveIntegerField(_("insurer's share (basis points)"))
    annual_cap_fen = models.PositiveBigIntegerField(_("yearly cap (fen)"))
    verified_at = models.DateTimeField(_("verified at"))
    verified_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("commercial health policy")
        verbose_name_plural = _("commercial health policies")
        ordering = ["-valid_until", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "insurer", "policy_number"], name="commercial_policy_once"
            ),
            models.CheckConstraint(
                condition=Q(ratio_bp__lte=10000) & Q(valid_until__gte=F("valid_from")),
                name="commercial_policy_terms",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_insurer_display()} {self.policy_number}"

    @property
    def ratio_percent(self) -> str:
        return f"{self.ratio_bp / 100:g}"


class DirectSettlementStatus(models.TextChoices):
    QUOTED = "quoted", _("Quoted")
    SETTLED = "settled", _("Settled")
    REVERSED = "reversed", _("Reversed")


class DirectSettlement(models.Model):
    """The insurer's share of one hospital settlement (直赔): quoted when the bill is settled,
    settled with the payment, reversed with a full refund."""

    policy = models.ForeignKey(CommercialPolicy, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    visit_reference = models.CharField(_("visit"), max_length=40)
    billing_reference = models.CharField(_("hospital settlement"), max_length=40, blank=True)
    base_fen = models.PositiveBigIntegerField(_("patient's own part (fen)"))
    deductible_fen = models.PositiveBigIntegerField(_("deductible taken (fen)"))
    insurer_fen = models.PositiveBigIntegerField(_("insurer pays (fen)"))
    claim_number = models.CharField(_("insurer's claim number"), max_length=40, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DirectSettlementStatus.choices,
        default=DirectSettlementStatus.QUOTED,
    )
    created_at = models.DateTimeField(_("created at"))
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("commercial direct settlement")
        verbose_name_plural = _("commercial direct settlements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(insurer_fen__lte=F("base_fen")), name="direct_settlement_within_base"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.insurer_fen}"


# --- reimbursement of self-paid care outside the home city (异地就医手工报销, R-PAY-8, D101) ---


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", pgettext_lazy("claim status", "Rejected")
    PAID = "paid", _("Paid")


# Each state is reached from the one before it only (the platform's answers move it forward).
CLAIM_TRANSITIONS = {
    ClaimStatus.SUBMITTED: (ClaimStatus.UNDER_REVIEW,),
    ClaimStatus.UNDER_REVIEW: (ClaimStatus.APPROVED, ClaimStatus.REJECTED),
    ClaimStatus.APPROVED: (ClaimStatus.PAID,),
    ClaimStatus.REJECTED: (),
    ClaimStatus.PAID: (),
}


class OffsiteClaim(models.Model):
    """A claim to the patient's home-city insurance for care paid in full at one of our
    institutions, with its e-bills attached."""

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    insured_area = models.CharField(_("insured area (home city)"), max_length=6)
    payee_account_masked = models.CharField(_("payee bank account"), max_length=30)
    claim_number = models.CharField(_("claim number"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    total_fen = models.PositiveBigIntegerField(_("claimed (fen)"))
    approved_fen = models.PositiveBigIntegerField(_("approved (fen)"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    reviewed_at = models.DateTimeField(_("review started at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    submitted_by = models.CharField(max_length=150)
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("off-site reimbursement claim")
        verbose_name_plural = _("off-site reimbursement claims")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="offsite_claim_once",
            ),
            models.CheckConstraint(
                condition=Q(approved_fen__isnull=True) | Q(approved_fen__lte=F("total_fen")),
                name="offsite_claim_approved_within_total",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="offsite_claim_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.claim_number or f"claim {self.pk}"


class OffsiteClaimBill(models.Model):
    """An e-bill attached to a claim. An e-bill is on at most one claim that is not rejected."""

    claim = models.ForeignKey(OffsiteClaim, on_delete=models.CASCADE, related_name="bills")
    ebill_id = models.BigIntegerField(_("e-bill"))
    label = models.CharField(_("bill code and number"), max_length=30)
    issued_on = models.DateField(_("issued on"))
    amount_fen = models.PositiveBigIntegerField(_("paid by the patient (fen)"))
    fund_fen = models.PositiveBigIntegerField(_("paid by the insurance fund (fen)"))
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("claimed e-bill")
        verbose_name_plural = _("claimed e-bills")
        constraints = [
            models.UniqueConstraint(
                fields=["ebill_id"], condition=Q(active=True), name="offsite_claim_bill_once"
            ),
        ]

    def __str__(self) -> str:
        return self.label


# --- the sandbox insurers' own state ------------------------------------------------------------


class SandboxCommercialPolicy(models.Model):
    """A policy as the sandbox insurer holds it, with what it has paid this year."""

    insurer = models.CharField(max_length=20, choices=Insurer.choices)
    policy_number = models.CharField(max_length=32)
    certno = models.CharField(max_length=18)
    holder_name = models.CharField(max_length=60)
    product_name = models.CharField(max_length=60)
    valid_from = models.DateField()
    valid_until = models.DateField()
    deductible_fen = models.PositiveBigIntegerField()
    ratio_bp = models.PositiveIntegerField()
    annual_cap_fen = models.PositiveBigIntegerField()
    year = models.PositiveSmallIntegerField()
    year_deductible_fen = models.PositiveBigIntegerField(default=0)
    year_paid_fen = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["insurer", "policy_number"], name="sandbox_commercial_policy_once"
            )
        ]

    def __str__(self) -> str:
        return self.policy_number


class SandboxCommercialClaim(models.Model):
    """A direct settlement the sandbox insurer accepted, by our request reference."""

    claim_number = models.CharField(max_length=40, unique=True)
    request_reference = models.CharField(max_length=40, unique=True)
    policy = models.ForeignKey(SandboxCommercialPolicy, on_delete=models.PROTECT, related_name="+")
    deductible_fen = models.PositiveBigIntegerField()
    insurer_fen = models.PositiveBigIntegerField()
    reversed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.claim_number


class SandboxReimbursement(models.Model):
    """An off-site claim as the sandbox home-city insurance office handles it."""

    claim_number = models.CharField(max_length=40, unique=True)
    request_reference = models.CharField(max_length=60, unique=True)
    insured_area = models.CharField(max_length=6)
    bills = models.JSONField()
    total_fen = models.PositiveBigIntegerField()
    status = models.CharField(max_length=15, choices=ClaimStatus.choices)
    approved_fen = models.PositiveBigIntegerField(null=True)
    reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.claim_number
