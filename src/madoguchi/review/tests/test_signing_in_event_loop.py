"""The organization's seal can be applied from code that runs inside an event loop (an async
caller, or Playwright's loop while the browser tests load the demo): pyHanko's synchronous
``sign_pdf`` would refuse there (``asyncio.run`` in a running loop)."""

from __future__ import annotations

import asyncio
import io
from types import SimpleNamespace

from reportlab.pdfgen import canvas

from madoguchi.review.signing import sign_pdf


def small_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "decision")
    page.save()
    return buffer.getvalue()


def test_a_pdf_is_signed_inside_a_running_event_loop(settings, tmp_path):
    settings.MADOGUCHI_SIGNING_DIR = str(tmp_path / "signing")
    organization = SimpleNamespace(slug="loop-city", name="ループ市")

    async def decide() -> tuple[bytes, str]:
        return sign_pdf(organization=organization, pdf=small_pdf(), reason="決定通知")

    signed, subject = asyncio.run(decide())

    assert signed.startswith(b"%PDF") and b"/ByteRange" in signed
    assert "ループ市" in subject or "loop-city" in subject
