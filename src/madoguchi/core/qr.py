"""QR codes made on the server as SVG (segno; no JavaScript, no CDN, no inline style).

``qr_svg`` is markup to put in a page (an image with its label for screen readers);
``qr_svg_file`` is a standalone .svg document (a download or an <img src>).
"""

from __future__ import annotations

import io

import segno
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ERROR_CORRECTION = "m"  # about 15 % of the code may be damaged or dirty and it still reads
BORDER = 4  # the quiet zone the QR standard asks for, in modules


def qr_svg(
    data: str, *, label: str, scale: int = 5, css_class: str = "qr", border: int = BORDER
) -> SafeString:
    """The QR code as inline SVG: ``role="img"`` with ``label`` as its accessible name and title.

    ``border`` may be smaller than the standard quiet zone where the page around it is white.
    """
    svg = segno.make(data, error=ERROR_CORRECTION).svg_inline(
        scale=scale, border=border, svgclass=css_class, title=label
    )
    labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return mark_safe(labelled)  # noqa: S308 - segno's own markup; the label is escaped


def qr_svg_file(data: str, *, title: str, scale: int = 6) -> bytes:
    """The QR code as an .svg file (with its XML declaration and namespace)."""
    out = io.BytesIO()
    segno.make(data, error=ERROR_CORRECTION).save(
        out, kind="svg", scale=scale, border=BORDER, xmldecl=True, svgns=True, title=title
    )
    return out.getvalue()
