"""core/textfiles.py (CSV text and Excel workbooks as offices save them) and core/qr.py."""

import io

import pytest
from openpyxl import Workbook

from madoguchi.core import qr, textfiles


@pytest.mark.parametrize(
    "data, text, encoding, bom",
    [
        ("氏名,住所\n".encode(), "氏名,住所\n", "utf-8", False),
        (b"\xef\xbb\xbf" + "氏名\n".encode(), "氏名\n", "utf-8", True),
        ("氏名,ｶﾅ\n".encode("cp932"), "氏名,ｶﾅ\n", "cp932", False),
    ],
)
def test_text_is_read_as_utf8_with_or_without_bom_else_shift_jis(data, text, encoding, bom):
    decoded = textfiles.decode_text(data)
    assert (decoded.text, decoded.encoding, decoded.bom) == (text, encoding, bom)


def test_bytes_in_neither_encoding_are_refused():
    with pytest.raises(textfiles.UnreadableFile):
        textfiles.decode_text(b"\x82\xff\xff\x80")
    with pytest.raises(textfiles.UnreadableFile):  # a BOM, then not UTF-8
        textfiles.decode_text(b"\xef\xbb\xbf\xff\xfe")


def _xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_workbook_opens_read_only_and_its_first_sheet_streams():
    data = _xlsx([["氏名", "年齢"], ["山田", 30]])
    assert textfiles.is_xlsx(data) and not textfiles.is_old_excel(data)
    workbook = textfiles.open_workbook(data)
    try:
        assert list(textfiles.first_sheet(workbook).iter_rows(values_only=True)) == [
            ("氏名", "年齢"),
            ("山田", 30),
        ]
    finally:
        workbook.close()


def test_a_broken_or_too_large_workbook_is_refused_before_parsing():
    with pytest.raises(textfiles.UnreadableFile):
        textfiles.open_workbook(b"PK\x03\x04 not really a zip")
    with pytest.raises(textfiles.WorkbookTooLarge):
        textfiles.open_workbook(_xlsx([["x"] * 50] * 50), max_unpacked_bytes=1_000)


def test_an_inline_qr_code_is_an_image_with_its_label_and_a_file_is_a_document():
    svg = qr.qr_svg("https://example.jp/a?b=1", label='受付 "コード"', css_class="qr-code")
    assert svg.startswith('<svg role="img" aria-label="受付 &quot;コード&quot;" ')
    assert 'class="qr-code"' in svg and "<title>" in svg and "style=" not in svg
    document = qr.qr_svg_file("https://example.jp/a", title="受付コード ABC")
    assert document.startswith(b"<?xml") and b"http://www.w3.org/2000/svg" in document
