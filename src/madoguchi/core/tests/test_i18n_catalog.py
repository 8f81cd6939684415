"""The English catalog: key messages come out in English, and the catalog is (nearly) complete.

Source strings are Japanese msgids; src/madoguchi/locale/en/LC_MESSAGES/django.po holds the
English. See docs/i18n.md for refreshing it.
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils import translation

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.validation import validate_all
from madoguchi.procedures.wareki import WarekiError, parse_date

PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"
MIN_TRANSLATED_SHARE = 0.97

ONE_FIELD = {
    "steps": [
        {
            "key": "about",
            "title": "About you",
            "fields": [{"key": "name", "type": "text", "label": "Full name", "required": True}],
        }
    ]
}


# ------------------------------------------------------------------ the catalog, read by polib


def read_po(path: Path) -> list[polib.POEntry]:
    """The live entries of a .po file (obsolete ``#~`` ones and the header left out).

    polib understands the whole format (msgctxt, plurals, continuation lines, flags), so an entry
    with a context such as ``msgctxt "people"`` is one entry, not a parse error.
    """
    return [entry for entry in polib.pofile(str(path), encoding="utf-8") if not entry.obsolete]


def is_translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        forms = entry.msgstr_plural
        return all(forms.get(index) for index in range(2))
    return bool(entry.msgstr)


# ------------------------------------------------------------------ the catalog file


def test_the_catalog_has_no_fuzzy_entries_and_at_least_97_percent_translated():
    entries = read_po(PO_FILE)
    assert len(entries) > 1000, "the catalog looks truncated"
    fuzzy = [entry.msgid for entry in entries if entry.fuzzy]
    untranslated = [entry.msgid for entry in entries if not is_translated(entry)]
    for msgid in untranslated:
        print("untranslated:", msgid)
    assert fuzzy == [], f"fuzzy entries (check and clear the flag): {fuzzy}"
    share = 1 - len(untranslated) / len(entries)
    assert share >= MIN_TRANSLATED_SHARE, (
        f"only {share:.1%} of msgids are translated; see docs/i18n.md. Untranslated: {untranslated}"
    )


def test_the_header_of_the_catalog_is_not_fuzzy_and_names_english():
    text = PO_FILE.read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0]
    assert "#, fuzzy" not in header
    assert '"Language: en\\n"' in header
    assert "nplurals=2" in header


def test_the_compiled_catalog_is_committed_next_to_the_po_file():
    mo_file = PO_FILE.with_suffix(".mo")
    assert mo_file.exists(), "run msgfmt (see docs/i18n.md)"
    assert mo_file.stat().st_size > 10_000


def test_the_reader_counts_entries_with_a_context_and_sees_their_missing_forms(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        """msgid ""
msgstr ""
"Language: en\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

msgctxt "people"
msgid "%(n)s人"
msgid_plural "%(n)s人"
msgstr[0] "%(n)s person"
msgstr[1] ""

#, fuzzy
msgctxt "people"
msgid "承認"
msgstr "Approval"

msgid "人"
msgstr "person"

#~ msgid "古い"
#~ msgstr "old"
""",
        encoding="utf-8",
    )
    entries = read_po(po)
    assert [(entry.msgctxt, entry.msgid) for entry in entries] == [
        ("people", "%(n)s人"),
        ("people", "承認"),
        (None, "人"),
    ]
    assert [is_translated(entry) for entry in entries] == [False, True, True]
    assert [entry.fuzzy for entry in entries] == [False, True, False]


# ------------------------------------------------------------------ messages in English


def test_the_required_message_of_a_field_comes_out_in_english():
    with translation.override("en"):
        with pytest.raises(FieldErrors) as caught:
            validate_all(ONE_FIELD, {"name": ""}, context=ValidationContext())
        assert caught.value.as_dict() == {"name": ["Please enter Full name."]}
        assert str(caught.value.message) == "Some of the input is not valid."


def test_the_required_message_stays_japanese_by_default():
    with translation.override("ja"):
        with pytest.raises(FieldErrors) as caught:
            validate_all(ONE_FIELD, {"name": ""}, context=ValidationContext())
        assert caught.value.as_dict() == {"name": ["Full nameを入力してください。"]}


def test_the_wareki_era_suggestion_comes_out_in_english():
    with translation.override("en"):
        with pytest.raises(WarekiError) as caught:
            parse_date("平成32年4月1日")
    assert caught.value.message == "平成32年4月1日 does not exist. Did you mean 令和2年4月1日?"


def test_an_unreadable_date_is_explained_in_english():
    with translation.override("en"):
        with pytest.raises(WarekiError) as caught:
            parse_date("そのうち")
    assert caught.value.message.startswith("This cannot be read as a date.")


def test_plural_messages_choose_the_english_form():
    with translation.override("en"):
        one = translation.ngettext("%(n)sステップ", "%(n)sステップ", 1) % {"n": 1}
        many = translation.ngettext("%(n)sステップ", "%(n)sステップ", 3) % {"n": 3}
    assert (one, many) == ("1 step", "3 steps")


@pytest.mark.django_db
def test_the_login_page_title_comes_out_in_english(client):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("Sign in")
    assert "Madoguchi (窓口)" in title
    assert "Send sign-in link" in page


@pytest.mark.django_db
def test_after_choosing_english_the_home_page_shows_english_navigation(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    for text in ("Skip to main content", "Find a procedure", "Frequently asked questions", "Sign in"):
        assert text in page
    assert "手続をさがす" not in page


@pytest.mark.django_db
def test_without_a_choice_the_home_page_is_japanese(client):
    page = client.get("/").content.decode()
    assert '<html lang="ja">' in page
    assert "手続をさがす" in page


def test_the_scripts_messages_come_with_the_page_in_its_language():
    """fields.js has no catalog of its own: the page hands it its messages as a JSON block."""
    import json
    import re

    from madoguchi.procedures.templatetags.procedure_fields import fields_script

    with translation.override("en"):
        html = str(fields_script())
    block = re.search(r'<script id="mdg-fields-messages" type="application/json">(.*?)</script>', html, re.S)
    messages = json.loads(block.group(1))
    assert messages["postal_searching"] == "Looking up the address…"
    assert "%(areas)s" in messages["postal_many"] and messages["yes"] == "Yes"
    assert re.search(r'<script src="[^"]*fields\.js" defer></script>', html)
    with translation.override("ja"):
        assert json.loads(re.search(r">(\{.*\})<", str(fields_script())).group(1))["no"] == "いいえ"
