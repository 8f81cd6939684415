from madoguchi.feedback.masking import clean_comment


def test_my_number_with_spaces_and_full_width_digits_is_never_kept():
    cleaned = clean_comment("番号は１２３４ ５６７８ ９０１２です")
    assert "1234" not in cleaned.text and "９０１２" not in cleaned.text
    assert "［番号］" in cleaned.text
    assert cleaned.masked == ["my_number"]


def test_phone_email_reference_and_postal_code_are_masked():
    text = "090-1234-5678 か taro@example.jp へ。受付番号 KYO-2026-000123、〒160-0022"
    cleaned = clean_comment(text)
    for secret in ("090-1234-5678", "taro@example.jp", "KYO-2026-000123", "160-0022"):
        assert secret not in cleaned.text
    assert set(cleaned.masked) == {"phone", "email", "reference", "postal"}


def test_ordinary_numbers_in_a_comment_are_kept():
    cleaned = clean_comment("3番窓口で15分待ちました。2026年12月3日")
    assert cleaned.text == "3番窓口で15分待ちました。2026年12月3日"
    assert cleaned.masked == []


def test_control_and_bidi_characters_are_removed_and_length_is_limited():
    cleaned = clean_comment("a\u202eb\u0000c" + "x" * 2000)
    assert cleaned.text.startswith("abc")
    assert len(cleaned.text) == 1000


def test_peoples_names_are_masked_before_the_comment_is_stored():
    cleaned = clean_comment("窓口の山田さんが親切でした。佐藤花子様にもお礼を。鈴木課長の説明は分かりにくい")
    for name in ("山田", "佐藤", "花子", "鈴木"):
        assert name not in cleaned.text
    assert cleaned.text == (
        "窓口の［氏名］さんが親切でした。［氏名］様にもお礼を。［氏名］課長の説明は分かりにくい"
    )
    assert cleaned.masked == ["name"]


def test_names_in_kana_half_width_and_latin_letters_are_masked():
    cleaned = clean_comment("ﾀﾅｶさん、わたなべさん、Mr. Tanaka と Yamada-san に感謝")
    for name in ("タナカ", "わたなべ", "Tanaka", "Yamada"):
        assert name not in cleaned.text
    assert cleaned.text.count("［氏名］") == 4


def test_staff_roles_places_and_ordinary_words_are_not_taken_for_names():
    text = "職員さんも係の方も親切でした。新宿区役所の窓口で誠に丁寧な説明。区長に伝えてください"
    cleaned = clean_comment(text)
    assert cleaned.text == text and cleaned.masked == []


def test_a_name_beside_other_personal_data_is_masked_with_it():
    cleaned = clean_comment("担当の小林です。090-1111-2222 まで")
    assert cleaned.text == "担当の［氏名］です。［電話番号］ まで"
    assert cleaned.masked == ["phone", "name"]
