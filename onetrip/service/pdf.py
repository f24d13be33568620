"""The signed PDF of a record copy: the records office's cover sheet with the copy's facts and
its seal line, in reportlab's built-in Chinese CID font (as the reports' PDF)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from onetrip.service.models import RecordCopy

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLE = ParagraphStyle("svc-title", fontName=FONT, fontSize=16, leading=22, alignment=1)
BODY = ParagraphStyle("svc-body", fontName=FONT, fontSize=11, leading=16)


def copy_pdf(copy: RecordCopy) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=copy.reference)
    prepared = timezone.localtime(copy.prepared_at)
    lines = [
        (_("Patient"), copy.patient.name),
        (_("Which visit"), copy.visit_description),
        (_("Pages"), str(copy.pages)),
        (_("Reference"), copy.reference),
        (_("Prepared"), f"{prepared:%Y-%m-%d %H:%M}"),
    ]
    story = [Paragraph(escape(copy.institution.name + " " + _("Medical record copy")), TITLE)]
    story.append(Spacer(1, 12))
    for label, value in lines:
        story.append(Paragraph(escape(f"{label}：{value}"), BODY))
    story.append(Spacer(1, 24))
    story.append(
        Paragraph(escape(_("Checked against the original and sealed by the records office.")), BODY)
    )
    doc.build(story)
    return buffer.getvalue()
