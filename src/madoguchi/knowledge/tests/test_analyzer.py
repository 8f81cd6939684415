"""Normalization: the forms people type meet the forms the FAQ uses."""

from madoguchi.knowledge.search import analyzer


def test_katakana_and_hiragana_fold_to_the_same_key():
    assert analyzer.search_key("ホケンショウ") == analyzer.search_key("ほけんしょう")


def test_fullwidth_and_halfwidth_are_the_same_text():
    assert analyzer.normalize("ＡＢＣ１２３") == "abc123"
    assert analyzer.search_key("ｺﾝﾋﾟｭｰﾀｰ") == analyzer.search_key("コンピューター")


def test_long_vowel_variants_and_repeats_collapse():
    assert analyzer.terms("コンピュータ") == analyzer.terms("コンピューター")
    assert analyzer.normalize("ラーーーメン") == analyzer.normalize("ラーメン")
    assert analyzer.normalize("ラ－メン") == analyzer.normalize("ラーメン")  # 全角ハイフン


def test_old_kanji_forms_meet_the_new_ones():
    old = analyzer.terms("國民健康保險")
    assert "国民" in old and "保険" in old


def test_okurigana_variants_meet():
    assert set(analyzer.terms("引越し")) & set(analyzer.terms("引っ越し"))
    assert set(analyzer.terms("申込")) & set(analyzer.terms("申し込み"))


def test_compounds_also_match_their_parts_and_joins():
    terms = analyzer.terms("国民健康保険証")
    assert "保険証" in terms and "保険" in terms


def test_particles_and_question_boilerplate_are_not_terms():
    terms = analyzer.terms("ごみの日を教えてください。")
    assert "を" not in terms and "教える" not in terms
    assert "ごみ" in terms


def test_bigrams_ignore_punctuation_and_spaces():
    assert analyzer.bigrams("ごみ、の日") == ["ごみ", "の日"]
