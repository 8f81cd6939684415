import datetime as dt

import pytest

from madoguchi.ledger import normalize as nz


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("髙橋 一郎", "高橋一郎"),
        ("山﨑　花子", "山崎花子"),
        ("山嵜花子", "山崎花子"),
        ("齋藤", "斎藤"),
        ("齊藤", "斎藤"),
        ("斉藤", "斎藤"),
        ("渡邊", "渡辺"),
        ("渡邉", "渡辺"),
        ("澤田", "沢田"),
        ("濱口", "浜口"),
        ("廣瀬", "広瀬"),
        ("櫻井", "桜井"),
        ("ＡＢＣ 太郎", "ABC太郎"),  # NFKC
        ("神田", "神田"),  # compatibility ideograph → unified (NFKC)
        ("葛\U000e0100城", "葛城"),  # ideographic variation selector dropped
    ],
)
def test_fold_name_folds_variants_spaces_and_width(written, folded):
    assert nz.fold_name(written) == folded


def test_split_name_uses_the_first_space_of_either_width():
    assert nz.split_name("山田　花子") == ("山田", "花子")
    assert nz.split_name("山田花子") == ("山田花子", "")


@pytest.mark.parametrize(
    ("written", "kana"),
    [
        ("やまだ はなこ", "ヤマダ ハナコ"),
        ("ﾔﾏﾀﾞ ﾊﾅｺ", "ヤマダ ハナコ"),
        ("ヤマダ・ハナコ", "ヤマダ ハナコ"),
        ("さとー", "サトー"),
    ],
)
def test_to_kana_accepts_hiragana_halfwidth_and_middle_dot(written, kana):
    assert nz.to_kana(written) == kana


def test_to_kana_refuses_kanji():
    with pytest.raises(nz.NormalizeError):
        nz.to_kana("山田 ハナコ")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("サトウ", "サトー"),
        ("サトウ", "サトオ"),
        ("オオノ", "オーノ"),
        ("キャシー", "キヤシー"),
        ("ミヅキ", "ミズキ"),
        ("チヂワ", "チジワ"),
    ],
)
def test_kana_loose_hears_alike_readings_alike(a, b):
    assert nz.kana_loose(a) == nz.kana_loose(b)
    assert nz.kana_strict(a) != nz.kana_strict(b)


def test_kana_loose_keeps_voiced_sounds_apart():
    assert nz.kana_loose("カトウ") != nz.kana_loose("ガトウ")


@pytest.mark.parametrize(
    "written",
    [
        "1975-04-01",
        "1975/4/1",
        "1975年4月1日",
        "19750401",
        "昭和50年4月1日",
        "S50.4.1",
        "s50/4/1",
        "１９７５－０４－０１",
        "1975/4/1 0:00:00",
    ],
)
def test_parse_date_reads_gregorian_wareki_fullwidth_and_trailing_time(written):
    assert nz.parse_date(written) == dt.date(1975, 4, 1)


def test_parse_date_takes_excel_dates_and_refuses_impossible_ones():
    assert nz.parse_date(dt.datetime(1975, 4, 1, 0, 0)) == dt.date(1975, 4, 1)
    with pytest.raises(nz.NormalizeError):
        nz.parse_date("平成32年1月1日")
    with pytest.raises(nz.NormalizeError):
        nz.parse_date("1975-02-30")


@pytest.mark.parametrize(
    "written",
    [
        "東京都新宿区西新宿二丁目8番1号",
        "新宿区西新宿2-8-1",
        "新宿区 西新宿２－８－１",
        "東京都新宿区西新宿2丁目8番地1",
    ],
)
def test_normalize_address_makes_common_forms_equal(written):
    assert nz.normalize_address(written) == "新宿区西新宿2-8-1"


def test_kanji_numbers_and_town():
    assert nz.kanji_to_int("二十三") == 23
    assert nz.kanji_to_int("百五") == 105
    assert nz.address_town("新宿区西新宿2-8-1") == "新宿区西新宿"


def test_find_municipality_prefers_the_longest_name_at_the_start():
    names = {"府中市": 1, "府中町": 2, "新宿区": 3}
    assert nz.find_municipality("東京都府中市宮西町2-24", names) == 1
    assert nz.find_municipality("新宿区立体育館（新宿区新宿5-1）", names) == 3
    assert nz.find_municipality("どこか", names) is None


def test_normalize_phone_keeps_digits():
    assert nz.normalize_phone("０３－１２３４－５６７８") == "0312345678"
    assert nz.normalize_phone("電話なし") == ""
