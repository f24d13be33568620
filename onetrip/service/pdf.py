"""The service centre's PDFs, in reportlab's built-in Chinese CID font (as the reports' PDF): the
signed cover sheet of a record copy, and a stamped certificate with the QR code of its check
page (drawn from `core.qr`'s modules, and a link for readers on screen)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from onetrip.core.qr import QUIET_ZONE, qr_matrix
from onetrip.service.models import Certificate, CertificateKind, RecordCopy
from onetrip.service.services import certificates

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


QR_SIZE = 32 * mm


class CheckCode(Flowable):
    """The QR code of the check page, one filled square per dark module, linked to the page."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.width = self.height = QR_SIZE

    def draw(self) -> None:
        matrix = qr_matrix(self.url)
        module = QR_SIZE / (len(matrix) + 2 * QUIET_ZONE)
        self.canv.setFillColorRGB(0, 0, 0)
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    left = (x + QUIET_ZONE) * module
                    bottom = QR_SIZE - (y + QUIET_ZONE + 1) * module
                    self.canv.rect(left, bottom, module, module, stroke=0, fill=1)
        self.canv.linkURL(self.url, (0, 0, QR_SIZE, QR_SIZE), relative=1)


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=certificate.reference)
    stamped = timezone.localtime(certificate.stamped_at)
    lines = [
        (_("Patient"), certificate.patient.name),
        (_("What it certifies"), certificate.statement),
        (_("Issuing doctor"), certificate.doctor_name),
        (_("Reference"), certificate.reference),
        (_("Stamped"), f"{stamped:%Y-%m-%d %H:%M}"),
    ]
    if certificate.starts_on and certificate.ends_on:
        period = f"{certificate.starts_on:%Y-%m-%d} — {certificate.ends_on:%Y-%m-%d}"
        lines.insert(2, (_("Dates covered"), period))
    title = f"{certificate.institution.name} {CertificateKind(certificate.kind).label}"
    story = [Paragraph(escape(title), TITLE), Spacer(1, 12)]
    for label, value in lines:
        story.append(Paragraph(escape(f"{label}：{value}"), BODY))
    story.append(Spacer(1, 18))
    story.append(Paragraph(escape(_("Stamped with the hospital's seal at the one window.")), BODY))
    story.append(Spacer(1, 12))
    story.append(CheckCode(verify_url))
    story.append(Paragraph(escape(_("Scan the code to check this certificate.")), BODY))
    doc.build(story)
    return buffer.getvalue()


def certificate_pdf_response(request: HttpRequest, found: Certificate) -> HttpResponse:
    """The stamped PDF, its QR code naming the public check page on the host the reader used."""
    token = certificates.verification_token(found)
    url = request.build_absolute_uri(reverse("service-certificate-verify", args=[token]))
    response = HttpResponse(certificate_pdf(found, verify_url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{found.reference}.pdf"'
    return response
