"""Sanitize FAQ answers: a small allow-list of tags, safe links, everything else escaped.

Plain text (no tags) becomes paragraphs and line breaks. Written on the standard library's
HTML parser so no extra dependency is needed; the allow-list is deliberately tiny.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "a", "strong", "em", "b", "i", "h3", "h4"}
VOID_TAGS = {"br"}
DROP_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}
_SAFE_URL = re.compile(r"^(https?://|mailto:|tel:|/(?!/)|#)", re.IGNORECASE)
_BLOCK = re.compile(r"<(p|ul|ol|br|h3|h4)\b")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if tag in DROP_CONTENT:
            self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED_TAGS:
            return
        if tag == "a":
            href = next((v for k, v in attrs if k == "href" and v), "")
            href = href.strip()
            if not _SAFE_URL.match(href):
                self.out.append("<a>")
            else:
                self.out.append(f'<a href="{escape(href, quote=True)}" rel="noopener noreferrer">')
        else:
            self.out.append(f"<{tag}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag in VOID_TAGS and not self.dropping:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag in DROP_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in ALLOWED_TAGS or tag in VOID_TAGS or tag not in self.open:
            return
        while self.open:
            current = self.open.pop()
            self.out.append(f"</{current}>")
            if current == tag:
                break

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(escape(data, quote=False))

    def close(self):
        super().close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")


def sanitize_answer(value: str) -> str:
    """Safe HTML for an FAQ answer (plain text is turned into paragraphs)."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not _TAG.search(value):
        paragraphs = [p.strip() for p in re.split(r"\n{2,}", value) if p.strip()]
        return "".join(
            "<p>" + "<br>".join(escape(line, quote=False) for line in p.split("\n")) + "</p>"
            for p in paragraphs
        )
    parser = _Sanitizer()
    parser.feed(value)
    parser.close()
    html = "".join(parser.out)
    if not _BLOCK.search(html):  # inline tags only: keep the line breaks people typed
        paragraphs = [p.strip() for p in re.split(r"\n{2,}", html) if p.strip()]
        html = "".join("<p>" + p.replace("\n", "<br>") + "</p>" for p in paragraphs)
    return html


def html_to_text(value: str) -> str:
    """Visible text of sanitized HTML (for indexing and snippets)."""
    from html import unescape

    text = re.sub(r"<br\s*/?>|</p>|</li>|</h[34]>", "\n", value or "")
    text = _TAG.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", unescape(text)).strip()
