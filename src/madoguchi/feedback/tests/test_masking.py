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
