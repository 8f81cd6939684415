"""The Japanese font for the PDFs we produce (受付票, 決定通知書).

If a Japanese TrueType font is on the machine, it is embedded (subset: only the glyphs used),
so every viewer shows the same letters and the document is self-contained — what an archive
copy of an official notice should be. Otherwise reportlab's built-in CID font HeiseiKakuGo-W5
is used: it needs no file, the text stays extractable, and the viewer supplies the glyphs.

``PDF_JAPANESE_FONT`` (a path to a .ttf) chooses the font; by default the IPAex Gothic font of
Debian's ``fonts-ipaexfont-gothic`` (IPA Font License, which allows embedding) is looked for.
Nothing is ever downloaded.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

CID_FONT = "HeiseiKakuGo-W5"
EMBEDDED_FONT = "MadoguchiJapanese"
CANDIDATES = (
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
)

_lock = threading.Lock()
_chosen: str | None = None


def font_path() -> Path | None:
    """The TrueType file to embed, or None (configured path first, then the usual places)."""
    configured = getattr(settings, "PDF_JAPANESE_FONT", "")
    for candidate in ([configured] if configured else []) + list(CANDIDATES):
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def japanese_font() -> str:
    """Register the font once per process and return its reportlab name."""
    global _chosen
    if _chosen is not None:
        return _chosen
    with _lock:
        if _chosen is None:
            _chosen = _register()
    return _chosen


def _register() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    path = font_path()
    if path is not None:
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, str(path)))
            return EMBEDDED_FONT
        except (TTFError, OSError) as exc:  # not a TrueType font reportlab can embed
            logger.warning("cannot embed %s (%s); using the CID font %s", path, exc, CID_FONT)
    if CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def reset_for_tests() -> None:
    global _chosen
    _chosen = None
