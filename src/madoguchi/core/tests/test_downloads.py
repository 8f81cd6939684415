"""Downloads are named by the sniffed type, never by the uploader's extension."""

from __future__ import annotations

import io

import pytest

from madoguchi.core.downloads import download_name, file_download


@pytest.mark.parametrize(
    ("original", "content_type", "expected"),
    [
        ("poly.html", "application/pdf", "poly.pdf"),
        ("receipt.JPG", "image/jpeg", "receipt.jpg"),
        ("scan.pdf.html", "image/png", "scan.png"),
        ("領収書.pdf", "application/pdf", "領収書.pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\a\\x.svg", "image/png", "x.png"),
        (".htaccess", "application/pdf", "file.pdf"),
        ("", "image/heic", "file.heic"),
        ("page.html", "text/html", "page.bin"),  # never served as a page
        ("a.svg", "image/svg+xml", "a.bin"),
        ("a.pdf", "", "a.bin"),
    ],
)
def test_the_name_carries_the_extension_of_the_sniffed_type(original, content_type, expected):
    assert download_name(original, content_type) == expected


def test_a_download_is_an_uncached_attachment_of_a_safe_type():
    response = file_download(io.BytesIO(b"<html>"), original_name="poly.html", content_type="text/html")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="poly.bin"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
