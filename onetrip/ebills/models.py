"""Electronic medical bills (医疗收费电子票据, R-PAY-5), one per settlement, in the national format
of 财综〔2019〕29号 (../shared/reference/domain-rules.md §5.1). A refund never edits or deletes a
bill: it issues a red-letter (红冲) bill with negative amounts that names the original.

`SandboxBillSeries` and `SandboxFiscalRecord` are the sandbox e-bill platform's own state (the
fiscal platform hands out bill numbers and check codes); a real deployment leaves them empty.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ChargeCategory(models.TextChoices):
    """The bill's charge items, in the national order (outpatient, then inpatient-only ones)."""

    CONSULTATION = "consultation", _("Consultation (诊察费)")
    EXAMINATION = "examination", _("Examination (检查费)")
    LABORATORY = "laboratory", _("Laboratory tests (化验费)")
    TREATMENT = "treatment", _("Treatment (治疗费)")
    SURGERY = "surgery", _("Surgery (手术费)")
    MATERIALS = "materials", _("Medical materials (卫生材料费)")
    WESTERN_MEDICINE = "western_medicine", _("Western medicine (西药费)")
    HERBAL_PIECES = "herbal_pieces", _("Chinese herbal pieces (中药饮片)")
    PATENT_MEDICINE = "patent_medicine", _("Chinese patent medicine (中成药费)")
    GENERAL_CARE = "general_care", _("General medical service (一般诊疗费)")
    REGISTRATION = "registration", _("Registration (挂号费)")
    OTHER_OUTPATIENT = "other_outpatient", _("Other outpatient charges (其他门(急)诊收费)")
    BED = "bed", _("Bed (床位费)")
    NURSING = "nursing", _("Nursing (护理费)")
    OTHER_INPATIENT = "other_inpatient", _("Other inpatient charges (其他住院收费)")


class VisitKind(models.TextChoices):
    OUTPATIENT = "outpatient", _("Outpatient")
    INPATIENT = "inpatient", _("Inpatient")


class BillKind(models.TextChoices):
    NORMAL = "normal", _("Bill")
    RED_LETTER = "red_letter", _("Red-letter reversal")


class EBill(models.Model):
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=BillKind.choices)
    original = models.ForeignKey(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="red_letters",
    )
    visit_kind = models.CharField(_("visit"), max_length=10, choices=VisitKind.choices)
    bill_code = models.CharField(_("bill code (票据代码)"), max_length=8)
    bill_number = models.CharField(_("bill number (票据号码)"), max_length=10)
    check_code = models.CharField(_("check code (校验码)"), max_length=6)
    issued_at = models.DateTimeField(_("issued at"))
    settlement_reference = models.CharField(_("settlement"), max_length=40)
    settled_at = models.DateTimeField(_("settled at"))
    payer_name = models.CharField(_("payer"), max_length=60)
    payer_id_masked = models.CharField(_("payer ID (masked)"), max_length=64)
    visit_number = models.CharField(_("visit number"), max_length=40, blank=True)
    insurance_type = models.CharField(_("insurance type"), max_length=3, blank=True)
    insurance_number_masked = models.CharField(
        _("insurance number (masked)"), max_length=40, blank=True
    )
    lines = models.JSONField(_("charge items"))
    total_fen = models.BigIntegerField(_("total (fen)"))
    fund_fen = models.BigIntegerField(_("insurance fund (fen)"))
    account_fen = models.BigIntegerField(_("personal account (fen)"))
    cash_fen = models.BigIntegerField(_("personal cash (fen)"))
    payment_channel = models.CharField(_("payment channel"), max_length=20)
    reason = models.CharField(_("red-letter reason"), max_length=200, blank=True)
    issuer = models.CharField(_("issued by"), max_length=150)
    reviewer = models.CharField(_("reviewed by"), max_length=150)
    platform_reference = models.CharField(_("platform reference"), max_length=60)

    class Meta:
        verbose_name = _("electronic bill")
        verbose_name_plural = _("electronic bills")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-issued_at"]),
            # the day's bills for the indicators, and those issued since today's mark (D204)
            models.Index(fields=["issued_at"], name="ebill_issued_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "bill_code", "bill_number"], name="ebill_number_once"
            ),
            models.UniqueConstraint(
                fields=["institution", "settlement_reference"],
                condition=Q(kind="normal"),
                name="ebill_one_per_settlement",
            ),
            models.CheckConstraint(
                condition=Q(total_fen=F("fund_fen") + F("account_fen") + F("cash_fen")),
                name="ebill_split_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind="normal",
                    original__isnull=True,
                    total_fen__gte=0,
                    fund_fen__gte=0,
                    account_fen__gte=0,
                    cash_fen__gte=0,
                )
                | Q(
                    kind="red_letter",
                    original__isnull=False,
                    total_fen__lt=0,
                    fund_fen__lte=0,
                    account_fen__lte=0,
                    cash_fen__lte=0,
                ),
                name="ebill_signs_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_code}-{self.bill_number}"

    @property
    def is_red_letter(self) -> bool:
        return self.kind == BillKind.RED_LETTER


class CopyChannel(models.TextChoices):
    KIOSK = "kiosk", _("Self-service kiosk")
    PHONE = "phone", _("Mobile phone")


class SelfServiceCopy(models.Model):
    """A patient printed an e-bill at a kiosk or downloaded it on the phone, without a counter
    (发票自助打印, seed 002 table 1.2): what the self-service printing indicator counts."""

    ebill = models.ForeignKey(EBill, on_delete=models.CASCADE, related_name="self_service_copies")
    channel = models.CharField(_("channel"), max_length=10, choices=CopyChannel.choices)
    made_at = models.DateTimeField(_("made at"))

    class Meta:
        verbose_name = _("self-service copy")
        verbose_name_plural = _("self-service copies")
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=CopyChannel.values), name="self_service_copy_channel"
            )
        ]
        indexes = [models.Index(fields=["ebill", "made_at"])]

    def __str__(self) -> str:
        return f"{self.ebill_id} {self.channel} {self.made_at:%Y-%m-%d %H:%M}"


class SandboxBillSeries(models.Model):
    """The sandbox fiscal platform's next number per institution and bill code."""

    institution_code = models.CharField(max_length=32)
    bill_code = models.CharField(max_length=8)
    last_number = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution_code", "bill_code"], name="sandbox_series_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_code} {self.bill_code}"


class SandboxFiscalRecord(models.Model):
    """A bill as the sandbox fiscal platform registered it (answers query and red-letter)."""

    institution_code = models.CharField(max_length=32)
    bill_code = models.CharField(max_length=8)
    bill_number = models.CharField(max_length=10)
    check_code = models.CharField(max_length=6)
    total_fen = models.BigIntegerField()
    red_lettered_fen = models.BigIntegerField(default=0)
    original = models.ForeignKey("self", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution_code", "bill_code", "bill_number"],
                name="sandbox_fiscal_record_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bill_code}-{self.bill_number}"
