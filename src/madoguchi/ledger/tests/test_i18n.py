from pathlib import Path

import pytest
from django.utils import translation

PO = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_the_ledger_catalog_translates_every_message():
    text = PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e and 'msgstr ""\n"' not in e]
    assert entries and not untranslated


@pytest.mark.django_db
def test_ledger_pages_speak_english(client, world):
    client.force_login(world["users"][0])
    client.cookies["django_language"] = "en"
    html = client.get(f"/ledger/events/{world['event'].pk}/uploads/new/").content.decode()
    assert "<h1>Send the victims' register</h1>" in html and "How to write it" in html
    with translation.override("en"):
        from madoguchi.ledger.constants import DamageLevel

        assert str(DamageLevel.TOTAL.label) == "Total collapse"
