from pathlib import Path

import polib
from django.utils import translation
from django.utils.translation import gettext

PO = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_the_payments_catalog_is_complete_and_compiled():
    entries = [e for e in polib.pofile(str(PO)) if not e.obsolete]
    assert entries and all(e.msgstr for e in entries) and not [e for e in entries if e.fuzzy]
    assert PO.with_suffix(".mo").is_file()


def test_payments_pages_speak_english():
    with translation.override("en"):
        assert gettext("手数料を支払う") == "Pay the fee"
        assert gettext("還付の理由を入力してください。") == "Enter the reason for the refund."
