"""What the ward prints at discharge (R-INP-2): the itemised list of the stay's charges and the
discharge summary, as PDF. Chinese text uses reportlab's built-in `STSong-Light` CID font (as
the e-bill does), so no font file is needed."""

from __future__ import annotations

from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from onetrip.billing.services.charges import itemised_bill
from onetrip.inpatient.models import Admission, BloodDonorClaim

RELATIONSHIP_WORDS = {
    "self": "本人",
    "spouse": "配偶",
    "parent": "父母",
    "child": "子女",
    "spouse_parent": "配偶的父母",
}

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
LINE = 6 * mm


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _header(canvas: Canvas, admission: Admission, title: str) -> float:
    width, height = A4
    canvas.setTitle(f"{admission.admission_number} {title}")
    canvas.setFont(FONT, 15)
    canvas.drawCentredString(width / 2, height - 20 * mm, title)
    canvas.setFont(FONT, 10)
    y = height - 32 * mm
    patient = admission.patient
    for text in (
        f"住院号：{admission.admission_number}    姓名：{patient.name}",
        f"入院时间：{admission.admitted_at:%Y-%m-%d %H:%M}    出院时间："
        + (f"{admission.discharged_at:%Y-%m-%d %H:%M}" if admission.discharged_at else "在院"),
    ):
        canvas.drawString(20 * mm, y, text)
        y -= LINE
    return y - LINE / 2


def itemised_list(admission: Admission) -> bytes:
    """The stay's charges line by line, with the total and what is still unsettled."""
    out = BytesIO()
    canvas = Canvas(out, pagesize=A4)
    y = _header(canvas, admission, "住院费用清单")
    assert admission.bill is not None
    listed = itemised_bill(admission.bill)
    canvas.drawString(20 * mm, y, "项目")
    canvas.drawRightString(140 * mm, y, "数量")
    canvas.drawRightString(185 * mm, y, "金额（元）")
    for charge in listed.charges:
        y -= LINE
        if y < 25 * mm:
            canvas.showPage()
            canvas.setFont(FONT, 10)
            y = A4[1] - 25 * mm
        canvas.drawString(20 * mm, y, f"{charge.charged_at:%m-%d} {charge.name}")
        canvas.drawRightString(140 * mm, y, str(charge.quantity))
        canvas.drawRightString(185 * mm, y, _yuan(charge.amount_fen))
    y -= LINE * 1.5
    canvas.drawString(20 * mm, y, f"合计：{_yuan(listed.total_fen)} 元")
    canvas.drawString(100 * mm, y, f"未结算：{_yuan(listed.outstanding_fen)} 元")
    claim = BloodDonorClaim.objects.filter(admission=admission).first()
    if claim is not None and claim.covered_fen:
        y -= LINE
        canvas.drawString(
            20 * mm,
            y,
            f"献血者用血费用减免：-{_yuan(claim.covered_fen)} 元（{claim.covered_ml} 毫升，"
            f"献血者为{RELATIONSHIP_WORDS[claim.relationship]}）",
        )
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def discharge_summary(admission: Admission) -> bytes:
    out = BytesIO()
    canvas = Canvas(out, pagesize=A4)
    y = _header(canvas, admission, "出院小结")
    lines = [
        f"入院诊断：{admission.diagnosis}",
        f"手术/操作：{admission.planned_procedure or '无'}    主刀医生：{admission.surgeon or '—'}",
        f"开具入院通知医生：{admission.doctor_name}",
    ]
    if admission.overstay_reason:
        lines.append(f"日间手术延长住院原因：{admission.overstay_reason}")
    lines.append("出院情况及医嘱：")
    for text in lines:
        canvas.drawString(20 * mm, y, text)
        y -= LINE
    text = canvas.beginText(25 * mm, y)
    text.setFont(FONT, 10)
    for paragraph in (admission.discharge_summary or "—").splitlines():
        # About 40 CJK characters fit the line at this size.
        for start in range(0, max(len(paragraph), 1), 40):
            text.textLine(paragraph[start : start + 40])
    canvas.drawText(text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
