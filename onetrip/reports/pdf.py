"""The printable report (R-EXAM-4): A4, Chinese text in reportlab's built-in STSong-Light CID font
(no font file needed), the results table with flags, and a QR code of the verification URL."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from onetrip.core.masking import mask_name
from onetrip.reports.models import Report

FONT = "STSong-Light"
QR_SIZE = 32 * mm
FLAG_MARKS = {"L": "↓", "LL": "↓↓", "H": "↑", "HH": "↑↑", "A": "*", "AA": "**"}

pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14)
SMALL = ParagraphStyle("small", fontName=FONT, fontSize=8, leading=11, textColor=colors.grey)


class LinkedQr(Flowable):
    """A QR code that is also a link to the same URL, for readers of the PDF on screen."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.width = self.height = QR_SIZE

    def draw(self) -> None:
        widget = QrCodeWidget(self.url, barLevel="M")
        left, bottom, right, top = widget.getBounds()
        drawing = Drawing(
            QR_SIZE,
            QR_SIZE,
            transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0],
        )
        drawing.add(widget)
        drawing.drawOn(self.canv, 0, 0)
        self.canv.linkURL(self.url, (0, 0, QR_SIZE, QR_SIZE), relative=1)


def report_pdf(report: Report, *, verify_url: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=report.service_name or report.service_code,
        author=report.performing_institution.name if report.performing_institution else "",
    )
    document.build(_story(report, verify_url))
    return buffer.getvalue()


def _story(report: Report, verify_url: str) -> list:
    patient = report.patient
    issued = timezone.localtime(report.issued_at)
    institution = report.performing_institution.name if report.performing_institution else ""
    facts = [
        [_("Patient"), patient.name, _("Sex"), patient.get_sex_display()],
        [
            _("Date of birth"),
            f"{patient.birth_date:%Y-%m-%d}",
            _("Order number"),
            report.placer_number,
        ],
        [
            _("Exam"),
            report.service_name or report.service_code,
            _("Status"),
            report.get_status_display(),
        ],
        [_("Issued at"), f"{issued:%Y-%m-%d %H:%M}", _("Report number"), report.filler_number],
    ]
    story: list = [
        _paragraph(institution, TITLE),
        Paragraph(_("Examination report"), TITLE),
        Spacer(1, 4 * mm),
        _table(facts, header=False),
        Spacer(1, 5 * mm),
        _table(_result_rows(report), header=True),
    ]
    if report.conclusion:
        story += [Spacer(1, 4 * mm), _paragraph(f"{_('Conclusion')}: {report.conclusion}", BODY)]
    story += [
        Spacer(1, 8 * mm),
        LinkedQr(verify_url),
        _paragraph(
            _(
                "Scan the code to check that this report is genuine and current. "
                "The check shows no results and only %(name)s."
            )
            % {"name": mask_name(patient.name)},
            SMALL,
        ),
    ]
    return story


def _result_rows(report: Report) -> list[list[str]]:
    rows = [[_("Test"), _("Result"), _("Unit"), _("Reference range"), _("Flag")]]
    for item in report.observations.all():
        rows.append(
            [
                item.display or item.code,
                item.value,
                item.unit,
                item.reference_range,
                FLAG_MARKS.get(item.abnormal_flag, ""),
            ]
        )
    return rows


def _table(rows: list[list[str]], *, header: bool) -> Table:
    cells = [[_paragraph(cell, BODY) for cell in row] for row in rows]
    table = Table(cells, hAlign="LEFT", repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.lightgrey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke))
    table.setStyle(TableStyle(style))
    return table


def _paragraph(text: object, style: ParagraphStyle) -> Paragraph:
    # Paragraph reads a small XML markup: values like "<5" must be escaped.
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)
