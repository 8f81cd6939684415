"""Sanitize FAQ answers with nh3 (the Ammonia sanitizer): a small allow-list of tags, safe links.

Plain text (no tags) becomes paragraphs and line breaks. Links keep only ``http(s):``,
``mailto:``, ``tel:``, fragments and paths on this site; a path that a browser would read as
another host (``//evil.example``, ``/\\evil.example``, with tabs or line breaks slipped in) loses
its ``href``.
"""

from __future__ import annotations

import re
from html import escape

import nh3

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "a", "strong", "em", "b", "i", "h3", "h4"}
DROP_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
_SAFE_URL = re.compile(r"^(https?://|mailto:|tel:|#|/(?![/\\]))", re.IGNORECASE)
# Browsers drop these from URLs before reading them ("/\t/evil.example" is "//evil.example").
_URL_IGNORED = re.compile(r"[\t\n\r\x00-\x1f]")
_BLOCK = re.compile(r"<(p|ul|ol|br|h3|h4)\b")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


def _keep_safe_links(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        url = _URL_IGNORED.sub("", value).strip()
        return url if _SAFE_URL.match(url) else None
    return value


def _clean(value: str) -> str:
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROP_CONTENT,
        attributes={"a": {"href"}},
        attribute_filter=_keep_safe_links,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def sanitize_answer(value: str) -> str:
    """Safe HTML for an FAQ answer (plain text is turned into paragraphs)."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not _TAG.search(value):
        paragraphs = [p.strip() for p in re.split(r"\n{2,}", value) if p.strip()]
        return "".join(
            "<p>" + "<br>".join(escape(line, quote=False) for line in p.split("\n")) + "</p>"
            for p in paragraphs
        )
    html = _clean(value)
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
