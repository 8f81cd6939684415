"""``madoguchi faq import FILE [--organization SLUG]``: CSV/JSON, encodings, per-row errors."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from madoguchi.accounts.models import Organization
from madoguchi.knowledge import selectors
from madoguchi.knowledge.constants import KOSODATE_CREDIT, Visibility
from madoguchi.knowledge.models import FaqEntry

pytestmark = pytest.mark.django_db

CSV = (
    "question,answer,category,visibility\nごみの日を教えてください。,地域ごとに決まっています。,ごみ,public\n"
)


def run_import(path, *args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("faq", "import", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_in_the_faq_kosodate_format_goes_to_the_default_organization_as_public(tmp_path):
    path = tmp_path / "kosodate-corpus.json"
    rows = [
        {
            "faq_id": 1,
            "question": "母子手帳を受け取りたい",
            "answer": "窓口でお渡しします。",
            "category1": "妊娠・出産",
        }
    ]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    out, err = run_import(path)
    assert "1 created" in out and err == ""
    faq = FaqEntry.objects.get()
    assert faq.organization.slug == "default" and faq.visibility == Visibility.PUBLIC
    assert faq.category == "妊娠・出産" and faq.source_ref == "1" and faq.attribution == KOSODATE_CREDIT
    assert [r.title for r in selectors.site_search(query="母子手帳").results] == ["母子手帳を受け取りたい"]


def test_default_organization_is_the_first_existing_one_when_there_is_no_default_slug(tmp_path, org):
    path = tmp_path / "faq.csv"
    path.write_text(CSV, encoding="utf-8")
    run_import(path)
    assert FaqEntry.objects.get().organization == org
    assert Organization.objects.count() == 1


def test_csv_with_a_utf8_bom_is_read(tmp_path, org):
    path = tmp_path / "faq.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CSV.encode("utf-8"))
    out, _ = run_import(path, "--organization", "city")
    assert "1 created" in out
    assert FaqEntry.objects.get().question == "ごみの日を教えてください。"


def test_shift_jis_csv_with_japanese_headers_is_read(tmp_path, org):
    path = tmp_path / "faq.csv"
    text = "質問,回答,分類,公開範囲\n粗大ごみの出し方は？,申し込みが必要です。,ごみ,職員のみ\n"
    path.write_bytes(text.encode("cp932"))
    out, _ = run_import(path, "--organization", "city")
    assert "1 created" in out
    faq = FaqEntry.objects.get()
    assert faq.question == "粗大ごみの出し方は？" and faq.visibility == Visibility.STAFF


def test_bad_rows_are_reported_with_their_row_numbers_and_good_rows_are_imported(tmp_path, org):
    path = tmp_path / "faq.csv"
    path.write_text(
        "question,answer,visibility,review_on\n"
        "良い質問,良い回答,public,2027-04-01\n"
        ",回答だけ,public,\n"
        "公開範囲が変,回答,everyone,\n"
        "日付が変,回答,public,来年\n",
        encoding="utf-8",
    )
    out, err = run_import(path, "--organization", "city")
    assert "1 created" in out and "3 rows with errors" in out
    assert "row 3: question: 質問を入力してください。" in err
    assert "row 4: visibility:" in err
    assert "row 5: review_on: 見直し予定日は 2026-04-01 のように入力してください。" in err
    assert list(FaqEntry.objects.values_list("question", flat=True)) == ["良い質問"]


def test_importing_the_same_file_again_updates_instead_of_duplicating(tmp_path, org):
    path = tmp_path / "faq.json"
    path.write_text(json.dumps([{"id": "a1", "question": "質問", "answer": "古い回答"}], ensure_ascii=False))
    run_import(path, "--organization", "city")
    path.write_text(
        json.dumps([{"id": "a1", "question": "質問", "answer": "新しい回答"}], ensure_ascii=False)
    )
    out, _ = run_import(path, "--organization", "city")
    assert "0 created, 1 updated" in out
    faq = FaqEntry.objects.get()
    assert "新しい回答" in faq.answer and faq.version == 2


def test_broken_json_and_unknown_organizations_stop_with_a_message(tmp_path, org):
    path = tmp_path / "faq.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON の形式が正しくありません"):
        run_import(path, "--organization", "city")
    with pytest.raises(CommandError, match="organization not found"):
        run_import(path, "--organization", "nowhere")


def test_csv_without_question_and_answer_columns_is_refused(tmp_path, org):
    path = tmp_path / "faq.csv"
    path.write_text("title,body\nA,B\n", encoding="utf-8")
    with pytest.raises(CommandError, match="question"):
        run_import(path, "--organization", "city")


def test_importing_a_csv_without_ids_again_matches_identical_questions_and_reports_them_unchanged(
    tmp_path, org
):
    path = tmp_path / "faq.csv"
    path.write_text(CSV + "保育園に入りたい,保育課にご相談ください。,子育て,public\n", encoding="utf-8")
    assert "2 created" in run_import(path, "--organization", "city")[0]
    out, _ = run_import(path, "--organization", "city")
    assert "0 created, 0 updated, 2 unchanged" in out
    path.write_text(CSV + "保育園に入りたい,保育課か支所にご相談ください。,子育て,public\n", encoding="utf-8")
    assert "0 created, 1 updated, 1 unchanged" in run_import(path, "--organization", "city")[0]
    assert FaqEntry.objects.filter(organization=org).count() == 2


def test_template_placeholders_are_filled_or_the_row_is_skipped_and_reported(tmp_path, org):
    rows = [
        {"faq_id": 1, "question": "○○市の窓口はどこですか？", "answer": "市役所1階です。\n電話（電話番号）"},
        {
            "faq_id": 2,
            "question": "児童手当はいつ振り込まれますか？",
            "answer": "毎回○日（○日が休日の場合の取り扱いを記載してください。）に支払います。",
        },
        {
            "faq_id": 3,
            "question": "母子手帳は？",
            "answer": "窓口でお渡しします。\n▼詳しくはこちら\n（自治体HP内関連ページのURL）",
        },
    ]
    path = tmp_path / "faq.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    fills = tmp_path / "fills.json"
    fills.write_text(
        json.dumps({"○○市": "テスト市", "（電話番号）": "03-0000-0000", "（自治体HP内関連ページのURL）": ""}),
        encoding="utf-8",
    )
    out, err = run_import(path, "--organization", "city", "--fill", str(fills))
    assert "2 created" in out and "1 skipped for placeholders (2 filled" in out
    assert "row 2: skipped, template placeholders left:" in err and "○日" in err
    texts = [f.question + f.answer for f in FaqEntry.objects.filter(organization=org)]
    assert any("テスト市の窓口" in t and "03-0000-0000" in t for t in texts)
    assert not any("○" in t or "（電話番号）" in t or "こちら" in t or "URL" in t for t in texts)


def test_an_entry_imported_before_is_archived_when_its_row_is_now_skipped(tmp_path, org):
    rows = [{"faq_id": 7, "question": "○○市の窓口はどこですか？", "answer": "1階です。"}]
    path = tmp_path / "faq.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    run_import(path, "--organization", "city", "--keep-placeholders")
    assert FaqEntry.objects.get(source_ref="7").is_archived is False
    out, _ = run_import(path, "--organization", "city")
    assert "1 archived" in out
    assert FaqEntry.objects.get(source_ref="7").is_archived is True
    assert selectors.site_search(query="窓口はどこ").results == []


def test_the_demo_faq_shows_no_template_placeholders(org):
    from madoguchi.knowledge.demo import load_faq_demo
    from madoguchi.knowledge.placeholders import find

    report = load_faq_demo(organization=org)
    assert report.created > 300 and report.skipped
    shown = FaqEntry.objects.filter(organization=org, is_archived=False)
    leftovers = [(f.source_ref, find(f.question + f.answer)) for f in shown if find(f.question + f.answer)]
    assert leftovers == []
    assert not shown.filter(answer__contains="○○市").exists()
    assert not shown.filter(answer__contains="休日の場合の取り扱い").exists()
    # S8's first answer to 「保険証をなくした」 showed 「（申請場所（自治体の担当課、支所・出張所等））」
    # (a note inside a note), and 「市役所△階新宿区役所の担当窓口」 was half filled
    assert not shown.filter(answer__contains="申請場所（").exists()
    assert not shown.filter(answer__regex="[△▲□■×◎]").exists()
    # 「（自治体の粗大ごみ受付センター等）について教えてください。」: a question that is itself a note
    assert not shown.filter(question__startswith="（").exists()
    again = load_faq_demo(organization=org)
    assert again.created == 0 and again.updated == 0 and again.unchanged == report.created


def test_faq_import_before_the_database_exists_says_what_to_run_first(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    import madoguchi.knowledge

    path = tmp_path / "faq.csv"
    path.write_text(CSV, encoding="utf-8")
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite3",
        "DJANGO_SETTINGS_MODULE": "madoguchi.config.settings",
        "MADOGUCHI_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(Path(madoguchi.knowledge.__file__).resolve().parents[2]),
        # a development machine: without DEBUG=1 the start-up checks refuse the test keys
        "DEBUG": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", "from madoguchi.cli import main; main()", "faq", "import", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert "madoguchi migrate" in result.stderr and "Traceback" not in result.stderr
