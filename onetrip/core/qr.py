"""QR codes drawn by us (reportlab's encoder): as modules for a PDF, as inline SVG for a page."""

from __future__ import annotations

from reportlab.graphics.barcode import qrencoder

QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules, dark = True (error correction M: survives a creased printout)."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    return [[bool(module) for module in row] for row in code.modules]


def qr_svg(text: str, *, label: str) -> str:
    """An SVG of the code, one path for every dark module, scaled by CSS; `label` is its
    accessible name. The text is data: it only ever shapes the path."""
    matrix = qr_matrix(text)
    size = len(matrix) + 2 * QUIET_ZONE
    path = "".join(
        f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h1v1h-1z"
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
        if dark
    )
    return (
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{_attribute(label)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
