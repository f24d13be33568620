"""The periodic report as institutions submit it (R-KPI-1): one row per institution and
indicator with target, value, numerator and denominator; as xlsx (openpyxl) and PDF (reportlab,
with its built-in `STSong-Light` CID font for Chinese, no font file needed)."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from onetrip.metrics.definitions import Direction, Unit
from onetrip.metrics.periods import Period
from onetrip.metrics.returns import ITEMS_BY_CODE
from onetrip.metrics.services import Figure, ReportSection, Status

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def unit_label(unit: str) -> str:
    return {
        Unit.PERCENT: "%",
        Unit.MINUTES: _("min"),
        Unit.TIMES: _("times"),
        Unit.COUNT: _("count"),
        Unit.DAYS: _("days"),
    }[unit]


def target_text(figure: Figure) -> str:
    metric = figure.metric
    if metric.target is None:
        return str(metric.target_note)
    sign = "≥" if metric.direction == Direction.AT_LEAST else "≤"
    text = f"{sign} {metric.target} {unit_label(metric.unit)}"
    return f"{text} ({metric.target_note})" if metric.target_note else text


def value_text(figure: Figure) -> str:
    if figure.status == Status.NO_DATA:
        return _("no data")
    if figure.status == Status.UNDEFINED:
        return _("undefined")
    return f"{figure.value} {unit_label(figure.metric.unit)}"


def status_text(figure: Figure) -> str:
    return {
        Status.MET: _("met"),
        Status.MISSED: _("not met"),
        Status.NO_TARGET: "—",
        Status.UNDEFINED: "—",
        Status.NO_DATA: "—",
    }[figure.status]


def headers() -> list[str]:
    return [
        pgettext("indicator report", "Institution"),
        pgettext("indicator report", "Requirement"),
        pgettext("indicator report", "Indicator"),
        pgettext("indicator report", "Target"),
        pgettext("indicator report", "Value"),
        pgettext("indicator report", "Numerator"),
        pgettext("indicator report", "Denominator"),
        pgettext("indicator report", "Against target"),
    ]


def rows(sections: list[ReportSection]) -> list[list]:
    return [
        [
            section.institution.name,
            figure.metric.requirement,
            str(figure.metric.name),
            target_text(figure),
            value_text(figure),
            "" if figure.numerator is None else figure.numerator,
            "" if figure.denominator is None else figure.denominator,
            status_text(figure),
        ]
        for section in sections
        for figure in (*section.figures, *section.reported)
    ]


def return_headers() -> list[str]:
    return [
        pgettext("indicator report", "Institution"),
        pgettext("indicator report", "Reported item"),
        pgettext("indicator report", "Period"),
        pgettext("indicator report", "Figure"),
        pgettext("indicator report", "Entered by"),
        pgettext("indicator report", "Entered at"),
    ]


def return_rows(sections: list[ReportSection]) -> list[list]:
    """Who entered each standing return and when, under the figures built from them."""
    return [
        [
            section.institution.name,
            str(ITEMS_BY_CODE[entry.item].name),
            entry.period_code,
            entry.achieved if entry.of is None else f"{entry.achieved} / {entry.of}",
            entry.entered_by,
            timezone.localtime(entry.entered_at).strftime("%Y-%m-%d %H:%M"),
        ]
        for section in sections
        for entry in section.returns
    ]


def title(sections: list[ReportSection], period: Period) -> str:
    return _("Monitoring indicators report, %(institution)s, %(period)s") % {
        "institution": sections[0].institution.name,
        "period": period.code,
    }


def to_xlsx(sections: list[ReportSection], period: Period) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = period.code
    sheet.append([title(sections, period)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(headers())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows(sections):
        sheet.append(row)
    for column, width in zip("ABCDEFGH", (24, 11, 36, 26, 14, 12, 12, 10), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    entered = book.create_sheet(pgettext("indicator report", "Returns"))
    entered.append(return_headers())
    for cell in entered[1]:
        cell.font = Font(bold=True)
    for row in return_rows(sections):
        entered.append(row)
    for column, width in zip("ABCDEF", (24, 36, 10, 12, 24, 18), strict=True):
        entered.column_dimensions[column].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(sections: list[ReportSection], period: Period) -> bytes:
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title(sections, period),
    )
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10)
    heading = ParagraphStyle("heading", fontName=FONT, fontSize=14, leading=18)
    data = [[Paragraph(text, cell) for text in headers()]] + [
        [Paragraph(str(value), cell) for value in row] for row in rows(sections)
    ]
    table = Table(
        data,
        colWidths=[m * mm for m in (45, 20, 62, 45, 28, 22, 22, 20)],
        repeatRows=1,
    )
    table_style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eaeef2")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    returns_table = Table(
        [[Paragraph(text, cell) for text in return_headers()]]
        + [[Paragraph(str(value), cell) for value in row] for row in return_rows(sections)],
        colWidths=[m * mm for m in (50, 80, 22, 25, 45, 35)],
        repeatRows=1,
    )
    returns_table.setStyle(table_style)
    table.setStyle(table_style)
    document.build(
        [
            Paragraph(title(sections, period), heading),
            Spacer(1, 4 * mm),
            table,
            Spacer(1, 6 * mm),
            Paragraph(pgettext("indicator report", "Returns"), heading),
            returns_table,
        ]
    )
    return out.getvalue()
