"""The receipt PDF (受付票): Japanese text extractable, JST with 和暦, no マイナンバー."""

from __future__ import annotations

import shutil
import subprocess
import zoneinfo
from datetime import datetime

import pytest
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.applications.pdf import receipt_pdf
from madoguchi.applications.selectors import jst_label, wareki_date
from madoguchi.applications.services import application_submit, draft_save_step, draft_start
from madoguchi.core.testing import make_organization, make_procedure, make_user

pytestmark = pytest.mark.django_db

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def submitted(definition=None, data=None, **procedure_extra) -> Application:
    user = make_user(display_name="山田 太郎")
    procedure = make_procedure(
        make_organization(name="東京都職員共済組合"),
        definition=definition,
        title="高額療養費の支給申請",
        **procedure_extra,
    )
    draft = draft_start(applicant=user, procedure=procedure)
    for step in procedure.current_version.definition["steps"]:
        keys = {f["key"] for f in step["fields"]}
        draft = draft_save_step(
            draft=draft, step_key=step["key"], raw={k: v for k, v in (data or {}).items() if k in keys}
        )
    return application_submit(draft=draft, actor=user, idempotency_key="pdf")


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def test_wareki_dates_use_the_era_and_gannen():
    assert wareki_date(datetime(2026, 1, 2).date()) == "令和8年1月2日"
    assert wareki_date(datetime(2019, 5, 1).date()) == "令和元年5月1日"
    assert wareki_date(datetime(2019, 4, 30).date()) == "平成31年4月30日"


def test_reception_time_is_shown_in_japan_time():
    utc = datetime(2026, 3, 31, 15, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert jst_label(utc) == "令和8年4月1日（2026年）0時30分"


def test_receipt_pdf_is_a_pdf():
    content = receipt_pdf(submitted(data={"name": "山田 太郎", "kind": "a"}))
    assert content.startswith(b"%PDF")


@needs_pdftotext
def test_receipt_pdf_has_extractable_japanese_text(tmp_path):
    application = submitted(data={"name": "山田 太郎", "kind": "a"})
    text = pdf_text(receipt_pdf(application), tmp_path)
    assert "申請受付票" in text
    assert "東京都職員共済組合" in text
    assert "高額療養費の支給申請" in text
    assert application.reference_number in text
    assert "令和" in text
    assert "山田 太郎" in text
    assert "種別A" in text
    assert "オンライン" in text


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_receipt_pdf_embeds_the_japanese_font_when_one_is_installed(tmp_path):
    """CI installs fonts-ipaexfont-gothic: the receipt then carries its own glyphs (a subset)."""
    from madoguchi.core import pdffonts

    path = tmp_path / "receipt.pdf"
    path.write_bytes(receipt_pdf(submitted(data={"name": "山田 太郎", "kind": "a"})))
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    if pdffonts.font_path() is None:
        assert "HeiseiKakuGo" in listing
        pytest.skip("no Japanese TrueType font installed here: the CID font is used (not embedded)")
    assert "HeiseiKakuGo" not in listing, listing
    truetype = [line.split() for line in listing.splitlines() if " TrueType " in line]
    assert truetype and all(cols[-5] == "yes" for cols in truetype), listing  # emb column
    assert len(path.read_bytes()) < 200_000  # a subset, not the 6 MB font


def test_without_a_font_file_the_cid_font_is_used(settings):
    from reportlab.pdfbase import pdfmetrics

    from madoguchi.core import pdffonts

    settings.PDF_JAPANESE_FONT = "/nonexistent/font.ttf"
    pdffonts.reset_for_tests()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(pdffonts, "CANDIDATES", ())
            assert pdffonts.japanese_font() == pdffonts.CID_FONT
            assert pdffonts.CID_FONT in pdfmetrics.getRegisteredFontNames()
            assert receipt_pdf(submitted(data={"name": "山田 太郎", "kind": "a"})).startswith(b"%PDF")
    finally:
        pdffonts.reset_for_tests()


@pytest.fixture
def mynumber_type():
    """The real マイナンバー type when registered, else a plain stand-in for this test."""
    from madoguchi.procedures.fields import registry
    from madoguchi.procedures.fields.basic import TextField

    if "mynumber" in registry:
        yield registry["mynumber"]
        return

    class StandIn(TextField):
        def display(self, value, spec):  # a careless type that shows the number as stored
            return str(value or "")

    registry["mynumber"] = StandIn()
    yield registry["mynumber"]
    del registry["mynumber"]


@needs_pdftotext
def test_receipt_pdf_never_shows_a_mynumber(tmp_path, mynumber_type):
    definition = {
        "steps": [
            {
                "key": "a",
                "title": "本人確認",
                "fields": [{"key": "my", "type": "mynumber", "label": "個人番号", "required": True}],
            }
        ]
    }
    application = submitted(definition=definition, data={"my": "123456789018"})
    text = pdf_text(receipt_pdf(application), tmp_path).replace(" ", "")
    assert "123456789018" not in text
    assert "1234" not in text
    assert "個人番号" in text


def test_receipt_pdf_url_answers_a_pdf_to_the_owner(client):
    application = submitted(data={"name": "山田 太郎", "kind": "a"})
    client.force_login(application.applicant)
    response = client.get(reverse("applications:receipt_pdf", args=[application.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert application.reference_number in response["Content-Disposition"]


def test_status_page_never_shows_a_mynumber_either(client, mynumber_type):
    definition = {
        "steps": [
            {
                "key": "a",
                "title": "本人確認",
                "fields": [{"key": "my", "type": "mynumber", "label": "個人番号", "required": True}],
            }
        ]
    }
    application = submitted(definition=definition, data={"my": "123456789018"})
    client.force_login(application.applicant)
    body = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "個人番号" in body
    assert "123456789018" not in body


def test_the_received_time_reads_in_the_pages_language():
    """The English status page said 「Received at 令和8年12月4日（2026年）13時38分」."""
    import datetime as dt

    from django.utils import translation

    utc = dt.datetime(2026, 12, 4, 4, 38, tzinfo=dt.UTC)
    with translation.override("en"):
        assert jst_label(utc) == "Fri 4 Dec 2026, 13:38 (JST)"
    with translation.override("ja"):
        assert jst_label(utc) == "令和8年12月4日（2026年）13時38分"
