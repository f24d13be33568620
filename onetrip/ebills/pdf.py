"""The e-bill as a PDF (R-PAY-5): the national outpatient/inpatient bill's main fields and a QR
code of the public verification address. Chinese text uses reportlab's built-in `STSong-Light`
CID font, which needs no font file and works offline."""

from __future__ import annotations

from io import BytesIO
from itertools import groupby

from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from onetrip.core.qr import qr_matrix
from onetrip.ebills.models import EBill, VisitKind
from onetrip.ebills.presenters import yuan

FONT = "STSong-Light"
QUIET_ZONE = 2  # modules of white around the code
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

# The printed bill is Chinese whatever the reader's language: it is a fiscal document.
TITLES = {
    VisitKind.OUTPATIENT: "医疗门诊收费票据（电子）",
    VisitKind.INPATIENT: "医疗住院收费票据（电子）",
}
CATEGORY_NAMES = {
    "consultation": "诊察费",
    "examination": "检查费",
    "laboratory": "化验费",
    "treatment": "治疗费",
    "surgery": "手术费",
    "materials": "卫生材料费",
    "western_medicine": "西药费",
    "herbal_pieces": "中药饮片",
    "patent_medicine": "中成药费",
    "general_care": "一般诊疗费",
    "registration": "挂号费",
    "other_outpatient": "其他门(急)诊收费",
    "bed": "床位费",
    "nursing": "护理费",
    "other_inpatient": "其他住院收费",
}
CHANNEL_NAMES = {
    "cash": "现金",
    "cheque": "支票",
    "bank_card": "银行卡",
    "wechat": "微信支付",
    "alipay": "支付宝",
    "insurance": "社保卡",
    "credit": "医后付",
    "deposit": "预交金",
}


def render(bill: EBill, verification_url: str) -> bytes:
    out = BytesIO()
    width, height = landscape(A5)
    canvas = Canvas(out, pagesize=(width, height))
    canvas.setTitle(f"{bill.bill_code}-{bill.bill_number}")
    title = TITLES[bill.visit_kind] + ("（红冲）" if bill.is_red_letter else "")
    canvas.setFont(FONT, 15)
    canvas.drawCentredString(width / 2, height - 15 * mm, title)

    canvas.setFont(FONT, 9)
    left, top = 12 * mm, height - 25 * mm
    header = [
        f"票据代码：{bill.bill_code}",
        f"票据号码：{bill.bill_number}",
        f"校验码：{bill.check_code}",
        f"开票日期：{bill.issued_at:%Y-%m-%d}",
        f"交款人：{bill.payer_name}",
        f"交款人统一社会信用代码：{bill.payer_id_masked}",
    ]
    for index, text in enumerate(header):
        canvas.drawString(left + (index % 2) * 95 * mm, top - (index // 2) * 5 * mm, text)

    y = top - 19 * mm
    canvas.drawString(left, y, "项目名称")
    canvas.drawRightString(left + 70 * mm, y, "金额（元）")
    canvas.line(left, y - 1.5 * mm, left + 70 * mm, y - 1.5 * mm)
    for line in bill.lines:
        y -= 5 * mm
        canvas.drawString(left, y, CATEGORY_NAMES[line["category"]])
        canvas.drawRightString(left + 70 * mm, y, _plain(line["amount_fen"]))

    other = [
        f"业务流水号：{bill.settlement_reference}",
        f"门诊号：{bill.visit_number}"
        if bill.visit_kind == VisitKind.OUTPATIENT
        else f"住院号：{bill.visit_number}",
        f"就诊日期：{bill.settled_at:%Y-%m-%d}",
        f"医保类型：{bill.insurance_type or '自费'}",
        f"医保编号：{bill.insurance_number_masked}",
        f"医保统筹基金支付：{_plain(bill.fund_fen)}",
        f"个人账户支付：{_plain(bill.account_fen)}",
        f"个人现金支付：{_plain(bill.cash_fen)}",
        f"支付方式：{CHANNEL_NAMES.get(bill.payment_channel, bill.payment_channel)}",
    ]
    if bill.is_red_letter:
        other += [
            f"原票据：{bill.original.bill_code}-{bill.original.bill_number}",
            f"冲红原因：{bill.reason}",
        ]
    y_other = top - 19 * mm
    canvas.drawString(left + 80 * mm, y_other, "其他信息")
    for text in other:
        y_other -= 5 * mm
        canvas.drawString(left + 80 * mm, y_other, text)

    bottom = 14 * mm
    canvas.setFont(FONT, 11)
    canvas.drawString(left, bottom + 8 * mm, f"合计（小写）：{yuan(bill.total_fen)}")
    canvas.setFont(FONT, 9)
    canvas.drawString(
        left,
        bottom,
        f"收款单位：{bill.institution.name}    复核人：{bill.reviewer}    收款人：{bill.issuer}",
    )
    _draw_qr(canvas, verification_url, x=width - 38 * mm, y=bottom - 4 * mm, size=30 * mm)
    canvas.drawCentredString(width - 23 * mm, bottom - 7 * mm, "扫码查验真伪")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _plain(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _draw_qr(canvas: Canvas, text: str, *, x: float, y: float, size: float) -> None:
    # Straight onto the canvas, one rectangle per run of dark modules: encoding once and skipping
    # reportlab's graphics tree halves the cost of a bill.
    matrix = qr_matrix(text)
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + QUIET_ZONE + 1) * module
        column = 0
        for dark, run in groupby(row):
            length = len(list(run))
            if dark:
                left = x + (column + QUIET_ZONE) * module
                canvas.rect(left, top, length * module, module, stroke=0, fill=1)
            column += length
    canvas.restoreState()
